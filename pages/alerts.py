"""Quality alert register: filter, read, export and chart the alerts; open one to see its history
and, if your role allows, move it on (start work, close, reopen, feedback, notes)."""

from __future__ import annotations

import streamlit as st

from sgoversight.alerts.config import load_alert_config
from sgoversight.alerts.register import alert_register, providers_with_alerts
from sgoversight.auth import Permission
from ui import alerts_detail, alerts_filters, alerts_forms, alerts_register, alerts_state
from ui.context import engine, require, today

actor = require(Permission.VIEW_ALERTS)
now = today()
config = load_alert_config()

st.title("Quality alert register")
scope = actor.provider_scope()
st.caption(
    ("Alerts about your service only. " if scope is not None else "")
    + f"Every alert should be responded to and closed within {config.response_days} days of being "
    "raised; alerts still open after that are marked ⚠ Past response time."
)

names = providers_with_alerts(engine(), actor) if scope is None else {}
filters = alerts_filters.draw(names, council=scope is None)
frame = alert_register(engine(), actor, today=now, config=config, **filters.query())

alerts_register.figures(frame, config)
if frame.empty:
    st.info("No alerts match these filters.", icon=":material/filter_alt_off:")
else:
    alerts_register.draw_table(frame, config)
    alerts_register.download_buttons(frame, actor, now, filters.in_words(names))

# The details of the chosen alert go right under the table; the chart follows them.
details_area = st.container()
alerts_register.key_question_section(frame)

with details_area:
    st.subheader("Alert details")
    detail = alerts_detail.pick(actor, frame, now, config)
    alerts_state.outcome()
    if detail is not None:
        alerts_detail.facts(detail, config)
        alerts_detail.history(actor, detail)
        alerts_forms.draw(actor, detail, now)
