"""Surveys: YAML definitions, scheduled runs, answering in chat, results and exports.

    scheduler.on_start("surveys", bot.surveys.jobs.rebuild)

Modules: definition/validate/checker/source (files), library (versions), when/schedule
(planning), runs/jobs (sending through the broadcaster), answering (the question engine,
also the intake's)/responses/typed/listing (members), present/invite/report/admin_texts
(texts), results/export, privacy (/mydata, /delete).
"""
