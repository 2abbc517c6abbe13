"""Simulated people: what a newcomer or a coordinator does in Telegram."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import telegram

from .attachments import DEFAULT_VOICE, message_media, tiny_png
from .errors import BLOCKED
from .files import FileKind
from .objects import now
from .state import ChatState, MessageRecord, TopicState, UserState
from .view import CallbackResult, SimMessage
from .waiting import ChatRef, Observer

if TYPE_CHECKING:
    from .server import Emulator

ButtonMatcher = str | Callable[[dict[str, Any]], bool]
MessageRef = SimMessage | MessageRecord | int


class EmulatorUsageError(RuntimeError):
    """A simulated person tried something Telegram would not let them do."""


class SimUser(Observer):
    """A person with a private chat with the bot; can also act in groups."""

    def __init__(self, emulator: Emulator, state: UserState) -> None:
        super().__init__(emulator)
        self.state = state
        self.callback_answers: list[dict[str, Any]] = []

    def __repr__(self) -> str:
        return f"<SimUser {self.id} {self.state.full_name!r}>"

    @property
    def id(self) -> int:
        return self.state.id

    @property
    def first_name(self) -> str:
        return self.state.first_name

    @property
    def language_code(self) -> str | None:
        return self.state.language_code

    @property
    def chat(self) -> ChatState:
        """The private chat with the bot."""
        return self._emu.world.chats[self.id]

    @property
    def reply_keyboard(self) -> list[list[str]]:
        """Texts of the reply keyboard the bot shows in the private chat."""
        markup = self.chat.reply_keyboard or {}
        return [
            [b if isinstance(b, str) else b["text"] for b in row]
            for row in markup.get("keyboard", ())
        ]

    def _default_chat(self) -> ChatState:
        return self.chat

    # -- writing -----------------------------------------------------------
    async def send_text(
        self,
        text: str,
        chat: ChatRef = None,
        thread_id: int | None = None,
        reply_to: MessageRef | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> SimMessage:
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = self._emu.world.objects.entities(entities)
        return self._post(chat, content, thread_id, reply_to)

    async def send_command(
        self, command: str, args: str = "", chat: ChatRef = None, thread_id: int | None = None
    ) -> SimMessage:
        command = command if command.startswith("/") else f"/{command}"
        text = f"{command} {args}".rstrip()
        entity = {"type": "bot_command", "offset": 0, "length": len(command)}
        return await self.send_text(text, chat, thread_id, entities=[entity])

    async def reply(self, message: SimMessage, text: str) -> SimMessage:
        return await self.send_text(
            text, chat=message.chat_id, thread_id=message.thread_id, reply_to=message
        )

    async def send_photo(
        self,
        data: bytes | None = None,
        caption: str | None = None,
        chat: ChatRef = None,
        thread_id: int | None = None,
    ) -> SimMessage:
        return self._post_file(data or tiny_png(), "photo", caption, chat, thread_id)

    async def send_voice(
        self,
        data: bytes = DEFAULT_VOICE,
        duration: int = 3,
        chat: ChatRef = None,
        thread_id: int | None = None,
    ) -> SimMessage:
        return self._post_file(
            data, "voice", None, chat, thread_id, mime_type="audio/ogg", duration=duration
        )

    async def send_document(
        self,
        data: bytes,
        file_name: str = "document.txt",
        mime_type: str | None = None,
        caption: str | None = None,
        chat: ChatRef = None,
        thread_id: int | None = None,
    ) -> SimMessage:
        return self._post_file(
            data, "document", caption, chat, thread_id, file_name=file_name, mime_type=mime_type
        )

    async def send_sticker(
        self,
        emoji: str = "👍",
        chat: ChatRef = None,
        thread_id: int | None = None,
        data: bytes = b"RIFF\x00\x00\x00\x00WEBP",
    ) -> SimMessage:
        return self._post_file(
            data, "sticker", None, chat, thread_id, mime_type="image/webp", emoji=emoji
        )

    async def send_video_note(
        self,
        data: bytes = b"\x00\x00\x00\x18ftypmp42",
        duration: int = 3,
        chat: ChatRef = None,
        thread_id: int | None = None,
    ) -> SimMessage:
        """A round video message (no caption: Telegram has none for them)."""
        return self._post_file(
            data, "video_note", None, chat, thread_id, mime_type="video/mp4", duration=duration
        )

    async def edit(self, message: SimMessage, text: str) -> SimMessage:
        """Edit one's own text message; the bot gets an ``edited_message`` update."""
        if message.sender_id != self.id:
            raise EmulatorUsageError("people can only edit their own messages")
        self._emu.world.edit(
            message.record, {"text": text, "entities": None}, update_kind="edited_message"
        )
        return message

    async def create_topic(self, group: ChatRef, name: str) -> TopicState:
        chat = self._resolve(group)
        if not chat.is_forum or chat.members.get(self.id) not in ("creator", "administrator"):
            raise EmulatorUsageError(f"{self!r} can't create topics in {chat.title!r}")
        return self._emu.world.create_topic(chat, self.state, name)

    def _post_file(
        self,
        data: bytes,
        kind: FileKind,
        caption: str | None,
        chat: ChatRef,
        thread_id: int | None,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        duration: int = 0,
        emoji: str | None = None,
    ) -> SimMessage:
        world = self._emu.world
        stored = world.files.add(
            data, kind, file_name=file_name, mime_type=mime_type, duration=duration
        )
        content = message_media(stored, emoji=emoji)
        if caption:
            content["caption"] = caption
        return self._post(chat, content, thread_id, None)

    def _post(
        self,
        chat: ChatRef,
        content: dict[str, Any],
        thread_id: int | None,
        reply_to: MessageRef | None,
    ) -> SimMessage:
        world = self._emu.world
        target = self._resolve(chat)
        if target.type == "private":
            if target.id != self.id:
                raise EmulatorUsageError(
                    "a simulated user can only write in their own chat with the bot"
                )
            target.bot_started = True
            if self._emu.faults.is_blocked(self.id):
                self.unblock_bot()  # people unblock a bot to write to it ("Restart")
        elif target.members.get(self.id) in (None, "left", "kicked"):
            raise EmulatorUsageError(f"{self!r} is not a member of {target.title!r}")
        reply = _record(target, reply_to)
        if thread_id is None and reply is not None and target.is_forum:
            thread_id = reply.thread_id
        if thread_id is not None and target.is_forum:
            topic = target.topics.get(thread_id)
            if topic is None or topic.deleted:
                raise EmulatorUsageError(f"topic {thread_id} does not exist in {target.title!r}")
            if topic.closed and target.members.get(self.id) not in ("creator", "administrator"):
                raise EmulatorUsageError(f"topic {topic.name!r} is closed")
        kind = "message" if world.bot_sees(target, content, reply) else None
        record = world.post(
            target, self.state, content, thread_id=thread_id, reply_to=reply, update_kind=kind
        )
        return SimMessage(record)

    # -- buttons -----------------------------------------------------------
    async def press(
        self,
        button: ButtonMatcher,
        message: SimMessage | None = None,
        *,
        chat: ChatRef = None,
        wait_answer: bool = True,
        timeout: float = 5.0,
    ) -> CallbackResult:
        """Press an inline button of ``message`` (default: the newest bot message with one)."""
        target = self._resolve(chat if message is None else message.chat_id)
        if message is None:
            message = next(
                (
                    m
                    for m in reversed(self.bot_messages(target))
                    if m.inline_keyboard and not m.deleted
                ),
                None,
            )
            if message is None:
                raise LookupError(f"no bot message with an inline keyboard in chat {target.id}")
        found = _find_button(message, button)
        if "callback_data" not in found:
            raise EmulatorUsageError(f"button {found['text']!r} has no callback_data: {found}")
        return await self.press_callback_data(
            found["callback_data"], message, wait_answer=wait_answer, timeout=timeout
        )

    async def press_callback_data(
        self, data: str, message: SimMessage, *, wait_answer: bool = True, timeout: float = 5.0
    ) -> CallbackResult:
        """Send a callback query with any ``data`` (also forged data no button carries)."""
        if message.deleted:
            raise EmulatorUsageError("the message with this button was deleted")
        state, update = self._emu.world.new_callback(self.state, message.record, data)
        result = CallbackResult(state.id, data, message, update)
        if wait_answer:
            await self._wait(
                lambda: state.answer, timeout, f"answer to callback query {data!r}", None
            )
            result.answer = state.answer
            self.callback_answers.append(dict(state.answer or {}))
        return result

    async def press_keyboard(self, text: str) -> SimMessage:
        """Tap a reply-keyboard button: sends its text as a message."""
        if text not in [b for row in self.reply_keyboard for b in row]:
            raise LookupError(f"no reply keyboard button {text!r}; keyboard: {self.reply_keyboard}")
        return await self.send_text(text)

    # -- blocking ------------------------------------------------------------
    def block_bot(self) -> None:
        """Block the bot: sends fail with 403 and the bot gets a my_chat_member update."""
        self._emu.faults.block(self.id, f"Forbidden: {BLOCKED}")
        self._member_update("member", "kicked")

    def unblock_bot(self) -> None:
        self._emu.faults.unblock(self.id)
        self._member_update("kicked", "member")

    def _member_update(self, old: str, new: str) -> None:
        world = self._emu.world
        objects = world.objects
        bot = objects.user(world.bot)
        update = telegram.ChatMemberUpdated(
            objects.chat(self.chat),
            objects.user(self.state),
            now(),
            objects.member_obj(bot, old),
            objects.member_obj(bot, new),
        )
        world.updates.push(
            "my_chat_member", lambda uid: objects.update(uid, "my_chat_member", update)
        )


def _record(chat: ChatState, ref: MessageRef | None) -> MessageRecord | None:
    if ref is None:
        return None
    if isinstance(ref, SimMessage):
        return ref.record
    if isinstance(ref, MessageRecord):
        return ref
    record = chat.messages.get(ref)
    if record is None:
        raise LookupError(f"message {ref} not found in chat {chat.id}")
    return record


def _find_button(message: SimMessage, matcher: ButtonMatcher) -> dict[str, Any]:
    buttons = [b for row in message.inline_keyboard for b in row]
    for button in buttons:
        if (button["text"] == matcher) if isinstance(matcher, str) else matcher(button):
            return button
    raise LookupError(f"no button {matcher!r} in {message!r}; buttons: {message.buttons}")
