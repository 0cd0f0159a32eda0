// Bearer-token authentication and a small RBAC stand-in: each user may carry deny rules
// (verb × resource), answered with the 403 Status RBAC writes. Unknown or missing tokens get
// 401, except on the endpoints Kubernetes serves to anonymous users.
import { failure, qualifiedResource, unauthorized, type KubeApiError } from './status-errors';

export interface AccessRule {
  /** get, list, watch, create, update, patch, delete, deletecollection, or '*'. */
  verb: string;
  /** A plural ('virtualmachineinstancemigrations'), a subresource ('virtualmachines/start'), or '*'. */
  resource: string;
  /** Limit the rule to one namespace. */
  namespace?: string;
}

export interface UserSpec {
  name: string;
  token: string;
  deny?: AccessRule[];
}

export interface RequestTarget {
  verb: string;
  group: string;
  plural: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

const PUBLIC_PATHS = new Set(['/version', '/version/', '/healthz', '/livez', '/readyz']);

export class AccessControl {
  private readonly byToken = new Map<string, UserSpec>();

  constructor(users: UserSpec[]) {
    for (const u of users) this.byToken.set(u.token, { ...u, deny: [...(u.deny ?? [])] });
  }

  users(): UserSpec[] { return [...this.byToken.values()]; }

  /** Adds a deny rule at run time (e.g. take create on migrations away from a token). */
  deny(token: string, rule: AccessRule): void {
    const user = this.byToken.get(token);
    if (!user) throw new Error('unknown token');
    user.deny = [...(user.deny ?? []), rule];
  }

  allowAll(token: string): void {
    const user = this.byToken.get(token);
    if (user) user.deny = [];
  }

  /** The user behind an Authorization header; 'anonymous' only for public paths. */
  authenticate(header: string | undefined, path: string): UserSpec | 'anonymous' {
    const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
    if (!match) {
      if (PUBLIC_PATHS.has(path)) return 'anonymous';
      throw unauthorized();
    }
    const user = this.byToken.get(match[1].trim());
    if (!user) throw unauthorized();
    return user;
  }

  authorize(user: UserSpec, target: RequestTarget): void {
    const resource = target.subresource ? `${target.plural}/${target.subresource}` : target.plural;
    const denied = (user.deny ?? []).some((r) =>
      (r.verb === '*' || r.verb === target.verb)
      && (r.resource === '*' || r.resource === resource || (!target.subresource && r.resource === target.plural))
      && (r.namespace === undefined || r.namespace === target.namespace));
    if (denied) throw forbidden(user.name, target, resource);
  }
}

function forbidden(userName: string, t: RequestTarget, resource: string): KubeApiError {
  const subject = t.name ? `${qualifiedResource(t.plural, t.group)} "${t.name}"` : qualifiedResource(t.plural, t.group);
  const scope = t.namespace ? `in the namespace "${t.namespace}"` : 'at the cluster scope';
  return failure(403, 'Forbidden',
    `${subject} is forbidden: User "${userName}" cannot ${t.verb} resource "${resource}" in API group "${t.group}" ${scope}`,
    { name: t.name, group: t.group || undefined, kind: t.plural });
}
