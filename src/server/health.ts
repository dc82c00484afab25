/**
 * Liveness and readiness probes for Kubernetes-style orchestrators. aiohttp has no such helper; the
 * pattern: `live` answers 200 while the event loop runs, `ready` answers 200 only between startup
 * and the start of shutdown (and while every check passes), so a load balancer stops routing to a
 * process before it closes its listeners. See docs/deployment.md.
 */
import type { Application } from './application.js';
import { Response } from './response.js';

/** Options of healthRoutes(). */
export interface HealthRoutesOptions {
  /** Liveness path (default `/healthz`). */
  live?: string;
  /** Readiness path (default `/readyz`). */
  ready?: string;
  /** Extra readiness checks (a database ping, ...); any false or throw answers 503. */
  checks?: ReadonlyArray<() => boolean | Promise<boolean>>;
}

/** The readiness state healthRoutes() maintains; `setReady(false)` takes the process out of rotation by hand. */
export class HealthCheck {
  #started = false;
  #shuttingDown = false;
  #manual = true;
  readonly #checks: ReadonlyArray<() => boolean | Promise<boolean>>;

  constructor(checks: ReadonlyArray<() => boolean | Promise<boolean>> = []) {
    this.#checks = checks;
  }

  /** True after onStartup and before onShutdown, unless set not ready. */
  get ready(): boolean {
    return this.#started && !this.#shuttingDown && this.#manual;
  }

  /** Marks the process ready or not (e.g. while a cache warms up). */
  setReady(ready: boolean): void {
    this.#manual = ready;
  }

  /** @internal */
  _started(): void {
    this.#started = true;
  }

  /** @internal */
  _shutdown(): void {
    this.#shuttingDown = true;
  }

  /** Runs the checks; false when not ready or any check fails. */
  async check(): Promise<boolean> {
    if (!this.ready) return false;
    for (const c of this.#checks) {
      try {
        if (!(await c())) return false;
      } catch {
        return false;
      }
    }
    return true;
  }
}

/**
 * Adds liveness and readiness routes to `app` and returns the HealthCheck behind them; readiness
 * turns false when onShutdown starts.
 * @example
 * const health = web.healthRoutes(app, { live: '/healthz', ready: '/readyz' });
 * health.setReady(false); // out of rotation until set back
 */
export function healthRoutes(app: Application, options: HealthRoutesOptions = {}): HealthCheck {
  const health = new HealthCheck(options.checks ?? []);
  app.onStartup.push(() => health._started());
  app.onShutdown.push(() => health._shutdown());
  const noStore = { 'Cache-Control': 'no-store' };
  app.router.addGet(options.live ?? '/healthz', () => new Response({ text: 'ok', headers: noStore }));
  app.router.addGet(options.ready ?? '/readyz', async () =>
    (await health.check())
      ? new Response({ text: 'ready', headers: noStore })
      : new Response({ text: 'not ready', status: 503, headers: noStore }));
  return health;
}
