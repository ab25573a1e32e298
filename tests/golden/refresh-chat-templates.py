#!/usr/bin/env python3
"""Renders every template of tests/data/chat_templates/ for every conversation
of conversations.json with Python's jinja2 set up as Hugging Face
transformers' apply_chat_template sets it up (transformers/utils/chat_template_utils.py:
an ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks and the
loopcontrols extension; tojson = json.dumps with ensure_ascii=False;
raise_exception and strftime_now as globals). Writes expected/NAME.CASE.txt,
or expected/NAME.CASE.error holding the exception's message. Review the diff.
usage: tests/golden/refresh-chat-templates.py   (needs python3-jinja2)"""
import json
import os
import sys
from datetime import datetime

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "chat_templates")
with open(os.path.join(root, "conversations.json"), encoding="utf-8") as f:
    fixture = json.load(f)
with open(os.path.join(root, "tokens.json"), encoding="utf-8") as f:
    special = json.load(f)
now = datetime.strptime(fixture["now"], "%Y-%m-%d")


class TemplateError(Exception):
    pass


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                      sort_keys=sort_keys)


def strftime_now(fmt):
    return now.strftime(fmt)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now

out = os.path.join(root, "expected")
os.makedirs(out, exist_ok=True)
for name in sorted(special):
    with open(os.path.join(root, name + ".jinja"), encoding="utf-8") as f:
        template = env.from_string(f.read())
    for case, conv in sorted(fixture["cases"].items()):
        ctx = dict(messages=conv["messages"], add_generation_prompt=True,
                   bos_token=special[name]["bos"], eos_token=special[name]["eos"])
        if conv["tools"]:
            ctx["tools"] = fixture["tools"]
        base = os.path.join(out, f"{name}.{case}")
        for stale in (base + ".txt", base + ".error"):
            if os.path.exists(stale):
                os.remove(stale)
        try:
            text, suffix = template.render(**ctx), ".txt"
        except (TemplateError, jinja2.TemplateError, TypeError) as e:
            text, suffix = str(e) + "\n", ".error"
        with open(base + suffix, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        print(f"{name}.{case}{suffix}")
