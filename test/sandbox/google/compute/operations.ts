// Zonal operations: PENDING -> RUNNING -> DONE over simulated time, with the effect applied
// (and any error recorded) when the operation finishes.
import { randomBytes } from 'node:crypto';
import type { GoogleContext } from '../context';
import { rfc3339 } from '../context';
import { computeNotFound } from '../errors';
import { computeLinks } from './model';

export interface OperationError {
  code: string; // e.g. ZONE_RESOURCE_POOL_EXHAUSTED
  message: string;
  httpStatus: number;
  httpMessage: string;
}

interface Operation {
  id: string;
  name: string;
  project: string;
  zone: string;
  operationType: string;
  targetLink: string;
  targetId: string;
  insertedAt: number;
  startedAt: number;
  doneAt: number;
  finished: boolean;
  error?: OperationError;
}

export interface OperationSpec {
  project: string;
  zone: string;
  operationType: string;
  targetLink: string;
  targetId: string;
  durationMs: number;
  /** Applies the effect; returns an error to record on the operation. */
  complete?: (at: number) => OperationError | void;
}

const QUEUE_DELAY_MS = 200;

export class Operations {
  private readonly byKey = new Map<string, Operation>();
  /**
   * Real `wait` returns after about two minutes even if the operation is not DONE; the real-time
   * cap keeps a slow simulated clock from holding a request open for minutes.
   */
  readonly waitBound = { simulatedMs: 120_000, realMs: 30_000 };

  constructor(
    private readonly ctx: GoogleContext,
    private readonly tick: () => void,
  ) {}

  begin(spec: OperationSpec): Record<string, unknown> {
    const now = this.ctx.now();
    const op: Operation = {
      id: this.ctx.newNumericId(),
      name: `operation-${now}-${randomBytes(7).toString('hex').slice(0, 13)}-${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`,
      project: spec.project,
      zone: spec.zone,
      operationType: spec.operationType,
      targetLink: spec.targetLink,
      targetId: spec.targetId,
      insertedAt: now,
      startedAt: now + QUEUE_DELAY_MS,
      doneAt: now + Math.max(spec.durationMs, QUEUE_DELAY_MS),
      finished: false,
    };
    this.byKey.set(this.key(op.project, op.zone, op.name), op);
    this.ctx.scheduler.at(op.doneAt, (at) => {
      op.error = spec.complete?.(at) ?? undefined;
      op.finished = true;
    });
    return this.render(op);
  }

  get(project: string, zone: string, name: string): Record<string, unknown> {
    return this.render(this.find(project, zone, name));
  }

  /** Blocks (in real time) until the operation is DONE or the wait bound passes. */
  async wait(project: string, zone: string, name: string): Promise<Record<string, unknown>> {
    const op = this.find(project, zone, name);
    const simDeadline = this.ctx.now() + this.waitBound.simulatedMs;
    const realDeadline = Date.now() + this.waitBound.realMs;
    while (!op.finished && this.ctx.now() < simDeadline && Date.now() < realDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      this.tick();
    }
    return this.render(op);
  }

  list(project: string, zone: string): Record<string, unknown>[] {
    return [...this.byKey.values()]
      .filter((op) => op.project === project && op.zone === zone)
      .map((op) => this.render(op));
  }

  private find(project: string, zone: string, name: string): Operation {
    const op = this.byKey.get(this.key(project, zone, name));
    if (!op) throw computeNotFound(`projects/${project}/zones/${zone}/operations/${name}`);
    return op;
  }

  private key(project: string, zone: string, name: string): string {
    return `${project}/${zone}/${name}`;
  }

  private render(op: Operation): Record<string, unknown> {
    const now = this.ctx.now();
    const links = computeLinks(this.ctx, op.project);
    const status = op.finished ? 'DONE' : now >= op.startedAt ? 'RUNNING' : 'PENDING';
    const json: Record<string, unknown> = {
      kind: 'compute#operation',
      id: op.id,
      name: op.name,
      zone: links.zone(op.zone),
      operationType: op.operationType,
      targetLink: op.targetLink,
      targetId: op.targetId,
      status,
      user: 'runner-ops@runner-ops-sandbox.iam.gserviceaccount.com',
      progress: status === 'DONE' ? 100 : 0,
      insertTime: rfc3339(op.insertedAt),
      selfLink: links.operation(op.zone, op.name),
    };
    if (status !== 'PENDING') json.startTime = rfc3339(op.startedAt);
    if (op.finished) json.endTime = rfc3339(op.doneAt);
    if (op.error) {
      json.error = { errors: [{ code: op.error.code, message: op.error.message }] };
      json.httpErrorStatusCode = op.error.httpStatus;
      json.httpErrorMessage = op.error.httpMessage;
    }
    return json;
  }
}
