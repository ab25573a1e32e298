#!/bin/sh
# make golden: rewrites tests/data/chat_templates/expected/ with Python's
# jinja2 (refresh-chat-templates.py says how); review the diff.
exec python3 "$(dirname "$0")/refresh-chat-templates.py" >/dev/null
