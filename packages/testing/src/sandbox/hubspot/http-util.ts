/** HTTP helpers: HubSpot-shaped errors and small utilities. */
import { randomUUID } from 'node:crypto';
import type { HubspotJson } from './types';

/** A HubSpot error detail. */
export interface ErrorDetail {
  message: string;
  code?: string;
  in?: string;
  context?: Record<string, string[]>;
}

/** An error that becomes a HubSpot-shaped error response. */
export class HubspotHttpError extends Error {
  constructor(
    readonly status: number,
    readonly category: string,
    message: string,
    readonly extra: { context?: Record<string, string[]>; errors?: ErrorDetail[]; subCategory?: string } = {},
  ) {
    super(message);
  }

  /** The response body. */
  body(): Record<string, HubspotJson> {
    const body: Record<string, HubspotJson> = {
      status: 'error',
      message: this.message,
      correlationId: randomUUID(),
      category: this.category,
    };
    if (this.extra.subCategory) body.subCategory = this.extra.subCategory;
    if (this.extra.context) body.context = this.extra.context;
    if (this.extra.errors) body.errors = this.extra.errors as unknown as HubspotJson;
    return body;
  }
}

/** 400 VALIDATION_ERROR. */
export function validationError(message: string, errors?: ErrorDetail[]): HubspotHttpError {
  return new HubspotHttpError(400, 'VALIDATION_ERROR', message, errors ? { errors } : {});
}

/** 404 OBJECT_NOT_FOUND. */
export function notFound(message = 'Object not found.  objectId are usually numeric.'): HubspotHttpError {
  return new HubspotHttpError(404, 'OBJECT_NOT_FOUND', message);
}

/** A property validation failure as HubSpot reports it inside "Property values were not valid". */
export interface PropertyValidationFailure {
  name: string;
  error: string;
  message: string;
}

/** 400 "Property values were not valid: [...]" like HubSpot. */
export function propertyValuesError(failures: PropertyValidationFailure[]): HubspotHttpError {
  const inner = failures.map((f) => ({
    isValid: false,
    message: f.message,
    error: f.error,
    name: f.name,
    localizedErrorMessage: f.message,
  }));
  return validationError(
    `Property values were not valid: ${JSON.stringify(inner)}`,
    failures.map((f) => ({ message: f.message, code: f.error, context: { propertyName: [f.name] } })),
  );
}

/** ISO string with milliseconds. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Whether a value is a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a required array of inputs from a batch body, enforcing HubSpot's 100-input limit. */
export function batchInputs(body: unknown, max = 100): unknown[] {
  if (!isRecord(body) || !Array.isArray(body.inputs)) {
    throw validationError('Invalid input JSON: "inputs" must be an array.');
  }
  if (body.inputs.length > max) {
    throw validationError(`Batch input length ${body.inputs.length} exceeds the maximum of ${max}.`, [
      { message: `inputs may contain at most ${max} items`, code: 'TOO_MANY_INPUTS', in: 'inputs' },
    ]);
  }
  return body.inputs;
}

/** A string id from `{ id }`-like inputs. */
export function inputId(value: unknown, field = 'id'): string {
  if (isRecord(value)) {
    const id = value[field];
    if (typeof id === 'string' && id !== '') return id;
    if (typeof id === 'number') return String(id);
  }
  throw validationError(`Invalid input: "${field}" is required.`);
}
