"""You said, we did: a survey run's findings and the municipality's response, told back to
the pool in each member's language with the run's headline chart (issue 18).

    rules.py    pure rules: texts per language with their review state, limits, composing
    service.py  use cases: runs to report on, write, review, pick the chart, send through the
                broadcaster, members' 👍/👎, /results, numbers for /stats
    views.py    texts, keyboards and callback data
"""
