#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""junit-check.py — the JUnit XML sanso writes, as a CI system reads it.

    junit-check.py FILE.xml   (or imported: check(text) -> dict of figures)

Validates against tests/data/junit/junit.xsd with xmllint (skipped, and
said so, when xmllint is not installed), then checks what the schema
can't: every testsuite's tests/failures/skipped/errors equal its
testcases, the root's equal the sums, time and timestamp present.
Returns {'tests', 'failures', 'skipped', 'suites': {name: (tests,
failures, skipped)}, 'cases': [(suite, name, outcome, type, message)]}.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get('SANSO_SOURCE_ROOT') or os.path.dirname(os.path.dirname(HERE))
XSD = os.path.join(SRC, 'tests', 'data', 'junit', 'junit.xsd')


class Bad(Exception):
    pass


def check(text):
    if shutil.which('xmllint'):
        with tempfile.NamedTemporaryFile('w', suffix='.xml', delete=False, encoding='utf-8') as f:
            f.write(text)
        try:
            p = subprocess.run(['xmllint', '--noout', '--schema', XSD, f.name], capture_output=True, text=True)
        finally:
            os.unlink(f.name)
        if p.returncode != 0:
            raise Bad('not valid against junit.xsd:\n' + p.stderr[-3000:])
    else:
        print('junit-check: xmllint not installed (libxml2-utils): schema not checked', file=sys.stderr)
    root = ET.fromstring(text)
    if root.tag != 'testsuites':
        raise Bad(f'root <{root.tag}>')
    out = {'tests': 0, 'failures': 0, 'skipped': 0, 'suites': {}, 'cases': []}
    for suite in root.findall('testsuite'):
        name = suite.get('name')
        cases = suite.findall('testcase')
        n = {'failures': 0, 'skipped': 0, 'errors': 0}
        for c in cases:
            fail, skip, err = c.find('failure'), c.find('skipped'), c.find('error')
            if sum(x is not None for x in (fail, skip, err)) > 1:
                raise Bad(f'{name}: a testcase with more than one outcome')
            outcome = 'failure' if fail is not None else 'skipped' if skip is not None else \
                'error' if err is not None else 'pass'
            el = fail if fail is not None else skip if skip is not None else err
            n['failures'] += fail is not None
            n['skipped'] += skip is not None
            n['errors'] += err is not None
            out['cases'].append((name, c.get('name'), outcome, el.get('type') if el is not None else None,
                                 el.get('message') if el is not None else None, c.findtext('system-out')))
        if int(suite.get('tests')) != len(cases):
            raise Bad(f'{name}: tests="{suite.get("tests")}" with {len(cases)} testcases')
        for k in ('failures', 'skipped', 'errors'):
            if int(suite.get(k, '0')) != n[k]:
                raise Bad(f'{name}: {k}="{suite.get(k)}" with {n[k]} such testcases')
        if suite.get('time') is None or suite.get('timestamp') is None:
            raise Bad(f'{name}: no time/timestamp')
        out['suites'][name] = (len(cases), n['failures'], n['skipped'])
        out['tests'] += len(cases)
        out['failures'] += n['failures']
        out['skipped'] += n['skipped']
    if int(root.get('tests')) != out['tests'] or int(root.get('failures')) != out['failures']:
        raise Bad(f'root tests="{root.get("tests")}" failures="{root.get("failures")}", '
                  f'the suites add up to {out["tests"]} and {out["failures"]}')
    if root.get('time') is None:
        raise Bad('root: no time')
    return out


if __name__ == '__main__':
    try:
        r = check(open(sys.argv[1], encoding='utf-8').read())
    except Bad as e:
        print(f'FAIL: {e}')
        sys.exit(1)
    print(f'{r["tests"]} tests, {r["failures"]} failures, {r["skipped"]} skipped in {len(r["suites"])} suites')
