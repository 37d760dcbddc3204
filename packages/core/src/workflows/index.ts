/**
 * The durable workflow engine of the plugin host (see `engine.ts`), and the helpers on runs other modules use.
 *
 * @module
 */
export { WorkflowEngine } from './engine';
export { describeError, deterministicRunId, isTerminalRunStatus, toJsonValue } from './runs';
export type { RunDueOptions, SchedulerOptions, WorkflowEngineOptions, WorkflowRunListOptions } from './types';
