import { z } from 'zod';
import { EntityBaseSchema, IdSchema } from './common';

/** The six roles of the CRM admin team. */
export const RoleNameSchema = z.enum([
  'crm_executive',
  'technical_admin',
  'functional_admin',
  'data_admin',
  'key_user',
  'user',
]);
/** A CRM admin-team role. */
export type RoleName = z.infer<typeof RoleNameSchema>;

/** What each role is for; used in docs and consoles. */
export const ROLE_DESCRIPTIONS: Readonly<Record<RoleName, string>> = {
  crm_executive: 'Owns the CRM strategy, goals and budget; reads everything, approves change requests.',
  technical_admin: 'Runs integrations, adapters, stores and infrastructure; manages credentials.',
  functional_admin: 'Configures fields, workflows, survivorship rules and plugins.',
  data_admin: 'Guards data quality: reviews merges, resolves duplicates, handles GDPR requests.',
  key_user: 'Power user of a department; trains users, proposes changes.',
  user: 'Works with customers day to day within their permissions.',
};

/** A role assignment with optional department scope. */
export const RoleSchema = z.object({
  name: RoleNameSchema,
  /** Limits the role to one department; absent means organisation-wide. */
  departmentId: IdSchema.optional(),
});
/** A role assignment. */
export type Role = z.infer<typeof RoleSchema>;

/** A department (sales, marketing, service ...) and the source systems it runs. */
export const DepartmentSchema = EntityBaseSchema.extend({
  name: z.string().min(1).max(256),
  /** Source system names owned by this department (e.g. `hubspot-sales`). */
  systems: z.array(z.string().min(1)).default([]),
});
/** A department. */
export type Department = z.infer<typeof DepartmentSchema>;

/** A user of the embedding application. */
export const UserSchema = EntityBaseSchema.extend({
  email: z.email(),
  name: z.string().min(1).max(256),
  departmentId: IdSchema.optional(),
  roles: z.array(RoleSchema).default([{ name: 'user' }]),
  active: z.boolean().default(true),
});
/** A user. */
export type User = z.infer<typeof UserSchema>;
