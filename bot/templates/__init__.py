"""Reply templates for coordinators (issue 19): stored per region or shared, drafted into the
members' languages through the language bridge, sent to a member as an answer. No aiogram."""
