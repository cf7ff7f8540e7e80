#!/usr/bin/python3
# -*- coding: utf-8 -*-
# Runs migready with --format json and returns its document as data, so that
# playbooks filter results with Jinja instead of parsing text. migready's own
# exit status (0 ready, 1 not ready, 2 could not judge) is returned as rc and
# never fails the task: the play decides, once every host has answered.
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: migready
short_description: Run migready and return its JSON document
description:
  - Runs C(migready COMMAND --format json ARGS...) and returns the parsed document
    as C(data), with migready's exit status as C(rc).
  - Fails only when migready printed no JSON (a missing binary, a usage error).
  - C(fix) runs with C(--yes), and with C(--dry-run) under Ansible's check mode;
    C(migrate-test) is skipped in check mode; the other commands change nothing
    and run in check mode too.
options:
  command:
    description: The migready command.
    required: true
    type: str
    choices: [check, fix, facts, fleet, migrate-test, list]
  binary:
    description: The migready executable, a path or a name found in PATH.
    type: str
    default: migready
  args:
    description: Further arguments (options, and PATHs for fleet).
    type: list
    elements: str
    default: []
'''

RETURN = r'''
data:
  description: migready's JSON document.
  returned: success
  type: dict
rc:
  description: migready's exit status (0 ready, 1 not ready, 2 could not judge).
  returned: always
  type: int
ready:
  description: rc is 0.
  returned: success
  type: bool
stdout:
  description: What migready printed, when it was not JSON.
  returned: failure
  type: str
stderr:
  description: migready's standard error (fix prints its diff there).
  returned: always
  type: str
'''

import json

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            command=dict(type='str', required=True,
                         choices=['check', 'fix', 'facts', 'fleet', 'migrate-test', 'list']),
            binary=dict(type='str', default='migready'),
            args=dict(type='list', elements='str', default=[]),
        ),
        supports_check_mode=True,
    )
    command = module.params['command']
    binary = module.params['binary']
    if '/' not in binary:
        binary = module.get_bin_path(binary, required=True)

    if command == 'migrate-test' and module.check_mode:
        module.exit_json(changed=False, skipped=True, rc=0, stderr='',
                         msg='migrate-test starts a real migration: not in check mode')

    cmd = [binary, command, '--format', 'json']
    if command == 'fix':
        cmd.append('--yes')
        if module.check_mode:
            cmd.append('--dry-run')
    cmd.extend(module.params['args'])

    rc, out, err = module.run_command(cmd)
    try:
        data = json.loads(out)
    except ValueError:
        first = (err.strip() or out.strip() or 'no output').splitlines()[0]
        module.fail_json(msg='migready %s printed no JSON (exit %d): %s' % (command, rc, first),
                         rc=rc, cmd=cmd, stdout=out, stderr=err)

    changed = False
    diff = None
    if command == 'fix':
        results = data.get('results', []) if isinstance(data, dict) else []
        if module.check_mode:
            changed = any(r.get('status') == 'fail' and r.get('fixable') for r in results)
        else:
            changed = any(r.get('status') == 'fixed' for r in results)
        if err.strip():
            diff = dict(prepared=err)

    # Not ready is an answer, not a failed task: the play judges (Ansible
    # would take a non-zero rc for a failure otherwise).
    result = dict(changed=changed, failed=False, rc=rc, ready=(rc == 0), data=data, stderr=err,
                  cmd=cmd)
    if diff:
        result['diff'] = diff
    module.exit_json(**result)


if __name__ == '__main__':
    main()
