// The --help text: every command and flag, with what it does.

export const USAGE = `Usage: blixard-migrations <command> [options]

Watch the migrations of Blixard and KubeVirt clusters and keep their history, without VS Code.

Commands:
  watch    Print one line per migration phase transition while recording it to the history.
  history  Print migrations from the history.

watch --db FILE [--kubeconfig FILE]... [--context NAME]... [--blixard NAME=HOST:PORT[,HOST:PORT]]...
  --db FILE              History database (created if missing; a journal FILE.journal sits beside it).
  --kubeconfig FILE      Kubeconfig to watch KubeVirt clusters through (repeatable). Without it,
                         $KUBECONFIG or ~/.kube/config — unless only --blixard clusters are given.
  --context NAME         Kubeconfig context to watch (repeatable; default: every context).
  --blixard NAME=EPS     A Blixard cluster: a name and its comma-separated host:port endpoints,
                         tried in order (repeatable).
  Lines go to stdout, connection changes and warnings to stderr. Ctrl-C (SIGINT) or SIGTERM
  writes everything pending to the history and exits 0.

history --db FILE [--active | --id ID | --vm NAME | --datacenter DC] [--limit N] [--json]
  --active               Only migrations that have not ended.
  --id ID                One migration, with its phase timeline.
  --vm NAME              Migrations of one VM (any cluster).
  --datacenter DC        Migrations of clusters in one datacenter.
  --limit N              At most N migrations, newest first (default: all).
  --json                 Print JSON instead of a table.

Options:
  -h, --help             Show this help.
  --version              Print the version.

Exit codes: 0 success, 1 failure (e.g. the history cannot be opened), 2 bad usage.
`;
