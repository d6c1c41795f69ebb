/**
 * One management operation: its route, the scope it needs, the schemas of its input and output, and its handler.
 * The router registers operations and the OpenAPI document describes them, from the same declarations.
 */
import type { z } from 'zod';
import type { Caller } from './auth.ts';
import type { ManagementContext } from './context.ts';
import type { ManagementScope } from '../protocol/management-api.ts';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface Input<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  caller: Caller;
}

export interface Operation<P = unknown, Q = unknown, B = unknown> {
  method: Method;
  /** Below {issuer}/api/v2, with Fastify's parameters: `/users/:id`. */
  path: string;
  scope: ManagementScope;
  summary: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** What a success returns (for the document); nothing for 204. */
  response?: z.ZodType;
  /** 200 unless said otherwise. */
  status?: 200 | 201 | 204;
  /** The body is a multipart/form-data upload (up to management.import_max_bytes) rather than JSON. */
  upload?: true;
  handle(input: Input<P, Q, B>, ctx: ManagementContext): Promise<unknown>;
}

/** Infers the handler's input types from the schemas. */
export function operation<P = undefined, Q = undefined, B = undefined>(op: Operation<P, Q, B>): Operation {
  return op as Operation;
}
