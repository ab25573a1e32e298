#!/usr/bin/env python3
"""Lints launchd property lists the way `plutil -lint` and launchd would
take them, without a Mac: plist_lint.py FILE...

Each file must be a well-formed XML plist 1.0 (XML declaration, Apple's
DOCTYPE, <plist version="1.0">), parse with plistlib as FMT_XML, and hold
a launchd job (launchd.plist(5)): a dict whose Label is a string equal to
the file name without .plist, ProgramArguments a non-empty array of
strings whose first is an absolute path or a bare program name, and every
other key launchd knows of the type it takes. Prints what is wrong; exits 1
when anything is."""
import os
import plistlib
import sys
import xml.dom.minidom

DOCTYPE = ('<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
           '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">')

# launchd.plist(5): the keys infrac writes, with their types.
TYPES = {
    "Label": str,
    "ProgramArguments": list,
    "EnvironmentVariables": dict,
    "WorkingDirectory": str,
    "UserName": str,
    "RunAtLoad": bool,
    "KeepAlive": (bool, dict),
    "ThrottleInterval": int,
    "ExitTimeOut": int,
    "ProcessType": str,
    "SoftResourceLimits": dict,
    "HardResourceLimits": dict,
    "StandardOutPath": str,
    "StandardErrorPath": str,
}
KEEPALIVE_KEYS = {"SuccessfulExit", "Crashed", "NetworkState", "PathState", "OtherJobEnabled", "AfterInitialDemand"}
LIMIT_KEYS = {"Core", "CPU", "Data", "FileSize", "MemoryLock", "NumberOfFiles", "NumberOfProcesses",
              "ResidentSetSize", "Stack"}
PROCESS_TYPES = {"Background", "Standard", "Adaptive", "Interactive"}


def lint(path):
    problems = []
    raw = open(path, "rb").read()
    text = raw.decode("utf-8")  # a UnicodeDecodeError is a failure too
    lines = text.split("\n")
    if lines[0] != '<?xml version="1.0" encoding="UTF-8"?>':
        problems.append("first line is not the XML declaration")
    if len(lines) < 2 or lines[1] != DOCTYPE:
        problems.append("second line is not the plist 1.0 DOCTYPE")
    try:
        dom = xml.dom.minidom.parseString(raw)
        root = dom.documentElement
        if root.tagName != "plist" or root.getAttribute("version") != "1.0":
            problems.append('root element is not <plist version="1.0">')
        if dom.doctype is None or dom.doctype.publicId != "-//Apple//DTD PLIST 1.0//EN":
            problems.append("no Apple plist 1.0 DOCTYPE")
    except Exception as e:  # not well-formed XML
        return ["not well-formed XML: %s" % e]
    try:
        job = plistlib.loads(raw, fmt=plistlib.FMT_XML)
    except Exception as e:
        return problems + ["plistlib cannot read it: %s" % e]
    if not isinstance(job, dict):
        return problems + ["the top object is not a dict"]
    name = os.path.basename(path)[:-len(".plist")] if path.endswith(".plist") else None
    if not isinstance(job.get("Label"), str) or job.get("Label") != name:
        problems.append("Label %r is not a string equal to the file name %r" % (job.get("Label"), name))
    args = job.get("ProgramArguments")
    if not isinstance(args, list) or not args or not all(isinstance(a, str) for a in args):
        problems.append("ProgramArguments is not a non-empty array of strings")
    elif "/" in args[0] and not args[0].startswith("/"):
        problems.append("ProgramArguments[0] %r is a relative path" % args[0])
    for k, v in job.items():
        want = TYPES.get(k)
        if want is None:
            problems.append("unknown key %s" % k)
        elif not isinstance(v, want) or (want is int and isinstance(v, bool)):
            problems.append("%s is a %s" % (k, type(v).__name__))
    for k, v in job.get("EnvironmentVariables", {}).items():
        if not isinstance(v, str):
            problems.append("EnvironmentVariables.%s is not a string" % k)
    ka = job.get("KeepAlive")
    if isinstance(ka, dict):
        for k, v in ka.items():
            if k not in KEEPALIVE_KEYS or not isinstance(v, bool):
                problems.append("KeepAlive.%s is not a known boolean condition" % k)
    for which in ("SoftResourceLimits", "HardResourceLimits"):
        for k, v in job.get(which, {}).items():
            if k not in LIMIT_KEYS or not isinstance(v, int) or v < 0:
                problems.append("%s.%s is not a known non-negative integer limit" % (which, k))
    if "ProcessType" in job and job["ProcessType"] not in PROCESS_TYPES:
        problems.append("ProcessType %r is not one of %s" % (job["ProcessType"], sorted(PROCESS_TYPES)))
    for k in ("WorkingDirectory", "StandardOutPath", "StandardErrorPath"):
        if k in job and not str(job[k]).startswith("/"):
            problems.append("%s is not an absolute path" % k)
    return problems


status = 0
for f in sys.argv[1:]:
    try:
        found = lint(f)
    except Exception as e:
        found = ["cannot be read: %s" % e]
    for p in found:
        print("%s: %s" % (f, p))
        status = 1
sys.exit(status)
