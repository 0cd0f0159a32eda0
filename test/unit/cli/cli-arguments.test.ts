import { strict as assert } from 'node:assert';
import { parseCliArguments } from '../../../src/cli/cli-arguments';
import { UsageError } from '../../../src/cli/usage-error';

function usageError(argv: string[]): string {
  try {
    parseCliArguments(argv);
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    assert.equal(err.message.includes('\n'), false, 'a usage error is one line');
    return err.message;
  }
  assert.fail(`${argv.join(' ')} was accepted`);
}

describe('CLI arguments', () => {
  it('parses watch with repeatable kubeconfig, context and blixard clusters', () => {
    assert.deepEqual(
      parseCliArguments(['watch', '--db', 'h.db', '--kubeconfig', 'a.yaml', '--kubeconfig=b.yaml', '--context', 'prod', '--blixard', 'dev=127.0.0.1:7001,localhost:7002', '--blixard', 'edge=[::1]:7100']),
      {
        command: 'watch',
        db: 'h.db',
        kubeconfig: ['a.yaml', 'b.yaml'],
        contexts: ['prod'],
        blixard: [
          { name: 'dev', endpoints: ['127.0.0.1:7001', 'localhost:7002'] },
          { name: 'edge', endpoints: ['[::1]:7100'] },
        ],
      },
    );
  });

  it('parses history with one filter, a limit and --json', () => {
    const filterOf = (argv: string[]) => {
      const parsed = parseCliArguments(argv);
      assert.equal(parsed.command, 'history');
      return parsed.command === 'history' ? parsed.filter : undefined;
    };
    assert.deepEqual(parseCliArguments(['history', '--db', 'h.db']), { command: 'history', db: 'h.db', filter: { kind: 'all' }, limit: undefined, json: false });
    assert.deepEqual(filterOf(['history', '--db', 'h.db', '--active', '--json']), { kind: 'active' });
    assert.deepEqual(filterOf(['history', '--db', 'h.db', '--id', 'kubevirt/prod/default/m1']), { kind: 'id', id: 'kubevirt/prod/default/m1' });
    assert.deepEqual(parseCliArguments(['history', '--db', 'h.db', '--vm', 'web-1', '--limit', '5']), { command: 'history', db: 'h.db', filter: { kind: 'vm', vm: 'web-1' }, limit: 5, json: false });
    assert.deepEqual(filterOf(['history', '--db', 'h.db', '--datacenter', 'fra1']), { kind: 'datacenter', datacenter: 'fra1' });
    assert.deepEqual(filterOf(['history', '--db', 'h.db', '--plan', 'evacuate-0123456789abcdef01234567']), { kind: 'plan', planId: 'evacuate-0123456789abcdef01234567' });
    assert.match(usageError(['history', '--db', 'h.db', '--plan', 'no good']), /--plan "no good": a plan id holds only letters/);
    assert.match(usageError(['history', '--db', 'h.db', '--plan', 'a', '--vm', 'b']), /at most one of .*--plan/);
  });

  it('answers help and version', () => {
    for (const argv of [['--help'], ['-h'], ['help'], ['watch', '--help'], ['history', '-h']]) assert.deepEqual(parseCliArguments(argv), { command: 'help' });
    assert.deepEqual(parseCliArguments(['--version']), { command: 'version' });
  });

  it('rejects bad usage with one line that names the problem', () => {
    assert.match(usageError([]), /a command is needed/);
    assert.match(usageError(['frobnicate']), /unknown command "frobnicate"/);
    assert.match(usageError(['--db', 'x']), /unknown option "--db" before the command/);
    assert.match(usageError(['watch', '--db', 'x', '--frob']), /unknown option "--frob"/);
    assert.match(usageError(['watch']), /--db FILE is required/);
    assert.match(usageError(['watch', '--db']), /--db needs a value/);
    assert.match(usageError(['watch', '--db', '--kubeconfig', 'k']), /--db needs a value, not another option/);
    assert.match(usageError(['watch', '--db', 'x', 'extra']), /unexpected argument "extra"/);
    assert.match(usageError(['watch', '--db', 'x', '--blixard', 'noport']), /--blixard needs NAME=HOST:PORT/);
    assert.match(usageError(['watch', '--db', 'x', '--blixard', 'a=host:99999']), /"host:99999" is not HOST:PORT/);
    assert.match(usageError(['watch', '--db', 'x', '--blixard', 'a=h:1', '--blixard', 'a=h:2']), /"a" is given twice/);
    assert.match(usageError(['watch', '--db', 'x', '--context', '']), /--context needs a value/);
    assert.match(usageError(['history', '--db', 'x', '--active', '--vm', 'v']), /at most one of/);
    assert.match(usageError(['history', '--db', 'x', '--json=yes']), /--json takes no value/);
    assert.match(usageError(['history', '--db', 'x', '--limit', '0']), /--limit needs a whole number/);
    assert.match(usageError(['history', '--db', 'x', '--limit', '2.5']), /--limit needs a whole number/);
    assert.match(usageError(['history', '--db', 'x', '--kubeconfig', 'k']), /unknown option "--kubeconfig"/);
  });
});
