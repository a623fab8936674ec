// Tells a wrong method (405 with Allow) from a missing route (404): the router only knows "no match".

import type { FastifyInstance } from 'fastify';

/** Route paths by pattern, with the methods each answers. */
export class RouteMethods {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];
  private readonly byUrl = new Map<string, Set<string>>();

  /** Records every route `app` registers from now on (call before registering routes). */
  watch(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      this.add(route.url, methods);
    });
  }

  /** Adds `methods` for the route path `url` (Fastify syntax: `:param`, `*`). */
  add(url: string, methods: readonly string[]): void {
    let set = this.byUrl.get(url);
    if (set === undefined) {
      set = new Set();
      this.byUrl.set(url, set);
      this.routes.push({ pattern: patternOf(url), methods: set });
    }
    for (const m of methods) set.add(m.toUpperCase());
  }

  /** The methods some route answers at `path` (sorted), or none when nothing exists there. */
  allowed(path: string): string[] {
    const out = new Set<string>();
    for (const route of this.routes) if (route.pattern.test(path)) for (const m of route.methods) out.add(m);
    return [...out].sort();
  }
}

function patternOf(url: string): RegExp {
  const parts = url.split('/').map((segment) => {
    if (segment === '*') return '.*';
    if (segment.startsWith(':')) return '[^/]+';
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${parts.join('/')}/?$`);
}
