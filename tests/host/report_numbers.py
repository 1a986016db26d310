#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""report_numbers.py - is every number of a generated report.md in the summary.json beside it?

    report_numbers.py REPORT.md SUMMARY.json      exit 0: all found; 1: some not (listed)

A number of the Markdown is a run of digits with an optional decimal part that is not part of a
word or a dotted version: "4.41", "12386", "0.003" count; "p99", "x86", "qd32", "6.1.0" do not.
It is found when
  - a number of the JSON, printed with the same decimals, gives the same text (what
    vmsg-publish does: fixed decimals, rounded), or
  - it appears, by the same rule, in a string of the JSON (meta: dates, versions, run ids,
    the sources' URLs).
So a figure edited by hand in report.md, or typed into the template, is reported.
"""
import json
import re
import sys

NUM = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?!\w|\.\d)")


def walk(node, numbers, strings):
    if isinstance(node, bool) or node is None:
        return
    if isinstance(node, (int, float)):
        numbers.append(float(node))
    elif isinstance(node, str):
        strings.update(NUM.findall(node))
    elif isinstance(node, list):
        for v in node:
            walk(v, numbers, strings)
    elif isinstance(node, dict):
        for k, v in node.items():
            strings.update(NUM.findall(k))
            walk(v, numbers, strings)


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    with open(sys.argv[2]) as f:
        numbers, strings = [], set()
        walk(json.load(f), numbers, strings)
    printed = {}  # decimals -> set of texts the JSON's numbers print as
    missing, total = [], 0
    with open(sys.argv[1]) as f:
        for lineno, line in enumerate(f, 1):
            for m in NUM.finditer(line):
                text = m.group(1)
                total += 1
                if text in strings:
                    continue
                dec = len(text.split(".")[1]) if "." in text else 0
                if dec not in printed:
                    printed[dec] = {"%.*f" % (dec, v) for v in numbers}
                if text not in printed[dec]:
                    missing.append((lineno, text, line.strip()))
    for lineno, text, line in missing:
        print("%s:%d: %s not in %s: %s" % (sys.argv[1], lineno, text, sys.argv[2], line[:120]))
    print("%d numbers, %d not in the summary" % (total, len(missing)))
    return 1 if missing or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
