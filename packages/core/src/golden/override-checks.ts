import {
  checkBirthDate,
  checkInputLimits,
  formatPath,
  type InputLimits,
  type JsonValue,
  LimitIssueCode,
  OrganizationDataSchema,
  type PartyRecordType,
  PersonDataSchema,
  quoteValue,
  ValidationError,
  type ValidationIssue,
  issuesFromZod,
  validationErrorOf,
  validationIssue,
} from '@crmkit/model';
import type { z } from 'zod';
import type { PluginSchemas } from '../plugins/schemas';

/**
 * Overrides are checked like source data: the field must be a golden field of the customer's kind (a model field,
 * a free attribute `attributes.<key>`, or a declared plugin field `attributes.<plugin>.<field>`), and the value must
 * pass that field's schema (the model's, or the plugin's), the input limits and the time bounds. `null` blanks a
 * field and is accepted for every known field.
 *
 * @module
 */

const person = PersonDataSchema.shape;
const organization = OrganizationDataSchema.shape;

/** The model's golden fields of each kind and the schema of their value (as `fieldsOf` in golden.ts derives them). */
const GOLDEN_FIELDS: Record<PartyRecordType, Readonly<Record<string, z.ZodType>>> = {
  person: {
    givenName: person.givenName,
    familyName: person.familyName,
    fullName: person.fullName,
    salutation: person.salutation,
    jobTitle: person.jobTitle,
    birthDate: person.birthDate,
    language: person.language,
    organizationName: person.organization.unwrap().shape.name,
    organizationRole: person.organization.unwrap().shape.role,
    ownerId: person.ownerId,
    lifecycleStage: person.lifecycleStage,
  },
  organization: {
    name: organization.name,
    legalName: organization.legalName,
    domain: organization.domain,
    industry: organization.industry,
    employees: organization.employees,
    registrationId: organization.registrationId,
    ownerId: organization.ownerId,
    lifecycleStage: organization.lifecycleStage,
  },
};

function refuse(field: string, issues: ValidationIssue[]): ValidationError {
  return validationErrorOf(issues, { message: `[crmkit/core] The override of ${quoteValue(field)} is invalid` });
}

/**
 * Checks a value written on a customer by hand (an override, plugin field values) against the input limits and the
 * text policy, before any schema (a recursive one) sees it. Returns the value, cleaned under the text policy
 * `clean`; throws a {@link ValidationError} with the path under `path` otherwise.
 */
export function checkValueLimits<T>(value: T, limits: InputLimits, path: (string | number)[], what: string): T {
  const limited = checkInputLimits(value, limits, path);
  if (limited.issues.length === 0) return limited.value as T;
  throw validationErrorOf(limited.issues, { message: `[crmkit/core] ${what} is invalid` });
}

/**
 * Checks an override of `field` on a customer of `kind`. Returns the value to store (the schema's output, e.g. a
 * plugin field's default applied); throws a {@link ValidationError} with the path (`field` or `value...`) otherwise.
 */
export function checkOverride(
  kind: PartyRecordType,
  field: string,
  value: JsonValue,
  options: { limits: InputLimits; now: Date; schemas: PluginSchemas },
): JsonValue {
  const limited = checkInputLimits(value, options.limits, ['value']);
  if (limited.issues.length > 0) throw refuse(field, limited.issues);
  // The text policy `clean` cleans an override's text too.
  const input = limited.value as JsonValue;
  const model = GOLDEN_FIELDS[kind][field];
  if (model) {
    if (input === null) return null;
    const parsed = model.safeParse(input);
    if (!parsed.success) {
      throw refuse(field, issuesFromZod(parsed.error, { basePath: ['value'] }));
    }
    if (field === 'birthDate' && typeof parsed.data === 'string') {
      const bounds = checkBirthDate(parsed.data, options.limits, options.now, ['value']);
      if (bounds.length > 0) throw refuse(field, bounds);
    }
    return parsed.data as JsonValue;
  }
  const match = /^attributes\.([^.]+)(?:\.([^.]+))?$/.exec(field);
  if (match) {
    const [, namespace, inner] = match as unknown as [string, string, string | undefined];
    if (options.schemas.has(namespace)) {
      if (inner === undefined) {
        throw refuse(field, [
          validationIssue(
            ['field'],
            `Override one field of plugin "${namespace}", e.g. attributes.${namespace}.<field>`,
            'unknown_field',
          ),
        ]);
      }
      const checked = options.schemas.checkValues(namespace, kind, { [inner]: input }, []);
      if (checked.issues.length > 0) {
        throw refuse(
          field,
          checked.issues.map((i) =>
            validationIssue(
              i.issueCode === 'unknown_field' ? ['field'] : ['value', ...i.path.slice(1)],
              i.message,
              i.issueCode,
            ),
          ),
        );
      }
      return checked.values[inner] ?? null;
    }
    if (inner === undefined) return input; // a free attribute: any JSON within the limits
  }
  throw refuse(field, [
    validationIssue(['field'], `${quoteValue(field)} is not a golden field of a ${kind}`, 'unknown_field'),
  ]);
}

/** Most characters of a `reason` given with a call (as for an admin action's reason). */
export const MAX_REASON_LENGTH = 2000;
/** Most characters of an `actor` given with a call. */
export const MAX_ACTOR_LENGTH = 1000;

/**
 * Checks the `actor` and `reason` of a call's options (they end up in audit entries, the journal, reviews and merge
 * links): strings of at most {@link MAX_ACTOR_LENGTH} / {@link MAX_REASON_LENGTH} characters that keep to the text
 * policy. Returns the options (their actor and reason cleaned under the text policy `clean`); throws a
 * {@link ValidationError} naming the path (`options.reason`) otherwise, before anything is written.
 */
export function checkActorOptions<T extends { actor?: string | undefined; reason?: string | undefined }>(
  options: T,
  limits: InputLimits,
): T {
  if (options === null || typeof options !== 'object') return options;
  const given: { actor?: unknown; reason?: unknown } = {};
  for (const [key, max] of [
    ['actor', MAX_ACTOR_LENGTH],
    ['reason', MAX_REASON_LENGTH],
  ] as const) {
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > max) {
      const path = ['options', key];
      throw new ValidationError({
        message: `[crmkit/core] The call's options are invalid at ${formatPath(path)}: expected text of at most ${max} characters.`,
        issues: [
          validationIssue(
            path,
            `Expected text of at most ${max} characters`,
            typeof value === 'string' ? LimitIssueCode.STRING_TOO_LONG : 'invalid_type',
          ),
        ],
      });
    }
    given[key] = value;
  }
  if (given.actor === undefined && given.reason === undefined) return options;
  const checked = checkValueLimits(given, limits, ['options'], "The call's options");
  return checked === given ? options : { ...options, ...checked };
}
