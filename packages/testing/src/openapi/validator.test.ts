import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatOpenApiIssues,
  type HttpExchange,
  loadOpenApiValidator,
  type OpenApiIssue,
  type OpenApiValidator,
} from './validator';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const specsDir = process.env.CRMKIT_SPECS_DIR ?? path.resolve(repoRoot, '../shared/specs');
const hubspotDir = path.join(specsDir, 'hubspot');
const haveHubspot = existsSync(hubspotDir);

const T = '2024-05-01T10:20:30.123Z';
const T2 = '2024-06-02T11:00:00.000Z';

const contact = (id: string, properties: Record<string, unknown> = {}) => ({
  id,
  properties: { createdate: T, email: `c${id}@example.com`, hs_object_id: id, lastmodifieddate: T2, ...properties },
  createdAt: T,
  updatedAt: T2,
  archived: false,
});

/** Only the `where`, `path` and a fragment of the message, for readable assertions. */
const brief = (issues: OpenApiIssue[]) => issues.map((i) => `${i.where} ${i.path}: ${i.message}`);

describe.skipIf(!haveHubspot)(
  `OpenAPI validator against HubSpot's specs${haveHubspot ? '' : ` (SKIPPED: ${hubspotDir} not found; set CRMKIT_SPECS_DIR to the folder holding hubspot/)`}`,
  () => {
    let v: OpenApiValidator;
    beforeAll(async () => {
      v = await loadOpenApiValidator({ specDir: hubspotDir });
    });

    const ok = (exchange: HttpExchange) => {
      const issues = v.validate(exchange);
      expect(issues, formatOpenApiIssues(exchange, issues)).toEqual([]);
    };

    describe('valid exchanges shaped like the documented responses give no issues', () => {
      it('contact GET by id', () => {
        ok({
          method: 'GET',
          path: '/crm/v3/objects/contacts/151',
          query: 'properties=email&properties=firstname&archived=false',
          status: 200,
          responseHeaders: { 'Content-Type': 'application/json;charset=utf-8' },
          responseBody: contact('151', { firstname: 'Ada' }),
        });
      });

      it('contact list page with paging, query in the path', () => {
        ok({
          method: 'GET',
          path: '/crm/v3/objects/contacts?limit=2&after=NTI1Cg%3D%3D&properties=email,firstname',
          status: 200,
          responseBody: {
            results: [contact('1'), contact('2', { firstname: 'Bo' })],
            paging: { next: { after: 'NTI3Cg%3D%3D', link: '?after=NTI3Cg%3D%3D' } },
          },
        });
      });

      it('batch read answered 207 with errors', () => {
        ok({
          method: 'POST',
          path: '/crm/v3/objects/contacts/batch/read',
          requestBody: { inputs: [{ id: '1' }, { id: '999' }], properties: ['email'], propertiesWithHistory: [] },
          status: 207,
          responseBody: {
            status: 'COMPLETE',
            results: [contact('1')],
            numErrors: 1,
            errors: [
              {
                status: 'error',
                category: 'OBJECT_NOT_FOUND',
                message: 'Could not get some CONTACT objects, they may be deleted or not exist.',
                context: { ids: ['999'] },
                errors: [],
                links: {},
              },
            ],
            startedAt: T,
            completedAt: T2,
          },
        });
      });

      it('search request and response', () => {
        ok({
          method: 'POST',
          path: '/crm/v3/objects/contacts/search',
          requestHeaders: { 'content-type': 'application/json' },
          requestBody: {
            filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'c1@example.com' }] }],
            properties: ['email', 'firstname'],
            sorts: ['createdate'],
            limit: 10,
            after: '0',
          },
          status: 200,
          responseBody: { total: 1, results: [contact('1')], paging: { next: { after: '1' } } },
        });
      });

      it('deal search in the 0-3 file and a date-versioned contact create', () => {
        ok({
          method: 'POST',
          path: '/crm/v3/objects/0-3/search',
          requestBody: { filterGroups: [], properties: ['dealname'], sorts: [], limit: 5, after: '0' },
          status: 200,
          responseBody: { total: 0, results: [] },
        });
        ok({
          method: 'POST',
          path: '/crm/objects/2026-03/contacts',
          requestBody: { properties: { email: 'new@example.com' }, associations: [] },
          status: 201,
          responseBody: contact('77'),
        });
      });

      it('association v4 list, batch read and default association', () => {
        ok({
          method: 'GET',
          path: '/crm/v4/objects/contacts/151/associations/companies',
          query: 'limit=500',
          status: 200,
          responseBody: {
            results: [
              {
                toObjectId: '9001',
                associationTypes: [
                  { category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' },
                  { category: 'HUBSPOT_DEFINED', typeId: 279 },
                ],
              },
            ],
          },
        });
        ok({
          method: 'POST',
          path: '/crm/v4/associations/contacts/companies/batch/read',
          requestBody: { inputs: [{ id: '151' }] },
          status: 200,
          responseBody: {
            status: 'COMPLETE',
            results: [
              {
                from: { id: '151' },
                to: [{ toObjectId: '9001', associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 1 }] }],
              },
            ],
            startedAt: T,
            completedAt: T2,
          },
        });
        ok({ method: 'DELETE', path: '/crm/v4/objects/contacts/151/associations/companies/9001', status: 204 });
      });

      it('properties list', () => {
        ok({
          method: 'GET',
          path: '/crm/v3/properties/contacts',
          query: 'archived=false',
          status: 200,
          responseBody: {
            results: [
              {
                name: 'email',
                label: 'Email',
                type: 'string',
                fieldType: 'text',
                description: "A contact's email address",
                groupName: 'contactinformation',
                options: [],
                displayOrder: -1,
                calculated: false,
                externalOptions: false,
                hasUniqueValue: false,
                hidden: false,
                hubspotDefined: true,
                formField: true,
                createdAt: T,
                updatedAt: T2,
                modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: false },
              },
              {
                name: 'lifecyclestage',
                label: 'Lifecycle Stage',
                type: 'enumeration',
                fieldType: 'radio',
                description: '',
                groupName: 'contactinformation',
                options: [{ label: 'Lead', value: 'lead', displayOrder: 1, hidden: false }],
              },
            ],
          },
        });
      });

      it('owners list', () => {
        ok({
          method: 'GET',
          path: '/crm/v3/owners',
          query: 'limit=100&archived=false',
          status: 200,
          responseBody: {
            results: [
              {
                id: '41629779',
                email: 'owner@example.com',
                type: 'PERSON',
                firstName: 'Olive',
                lastName: 'Owner',
                userId: 9586504,
                userIdIncludingInactive: 9586504,
                createdAt: T,
                updatedAt: T2,
                archived: false,
                teams: [{ id: '368389', name: 'Sales', primary: true }],
              },
            ],
            paging: { next: { after: '41629780' } },
          },
        });
      });

      it('a 404 answered with the Error schema, and a 204 archive without a body', () => {
        ok({
          method: 'GET',
          path: '/crm/v3/objects/contacts/404',
          status: 404,
          responseHeaders: { 'content-type': 'application/json' },
          responseBody: {
            status: 'error',
            message: 'Object not found.  objectId are usually numeric.',
            correlationId: 'aeb5f871-7f07-4993-9211-075dc63e7cbf',
            category: 'OBJECT_NOT_FOUND',
          },
        });
        ok({ method: 'DELETE', path: '/crm/v3/objects/contacts/151', status: 204 });
      });
    });

    describe('broken exchanges give precise issues', () => {
      it('a result without id', () => {
        const { id: _dropped, ...noId } = contact('1');
        const issues = v.validate({
          method: 'GET',
          path: '/crm/v3/objects/contacts',
          status: 200,
          responseBody: { results: [contact('0'), noId] },
        });
        expect(brief(issues)).toEqual(["response-body /results/1/id: missing required property 'id'"]);
      });

      it('a property value that is a number, not a string', () => {
        const issues = v.validate({
          method: 'GET',
          path: '/crm/v3/objects/contacts/1',
          status: 200,
          responseBody: contact('1', { num_notes: 42 }),
        });
        expect(brief(issues)).toEqual(['response-body /properties/num_notes: must be string, got 42']);
      });

      it('createdAt that is not a date-time', () => {
        const issues = v.validate({
          method: 'POST',
          path: '/crm/v3/objects/contacts/batch/read',
          requestBody: { inputs: [{ id: '1' }], properties: [], propertiesWithHistory: [] },
          status: 200,
          responseBody: {
            status: 'COMPLETE',
            results: [{ ...contact('1'), createdAt: 'yesterday' }],
            startedAt: T,
            completedAt: T,
          },
        });
        expect(brief(issues)).toEqual([
          'response-body /results/0/createdAt: must match format "date-time", got "yesterday"',
        ]);
      });

      it('a search request with limit "x"', () => {
        const issues = v.validate({
          method: 'POST',
          path: '/crm/v3/objects/contacts/search',
          requestBody: { filterGroups: [], properties: [], sorts: [], after: '0', limit: 'x' },
          status: 400,
          responseBody: {
            message: 'bad limit',
            correlationId: 'aeb5f871-7f07-4993-9211-075dc63e7cbf',
            category: 'VALIDATION_ERROR',
          },
        });
        expect(brief(issues)).toEqual(['request-body /limit: must be integer, got "x"']);
      });

      it('an unknown operation: PATCH on the list path, and a path no spec has', () => {
        expect(v.match('PATCH', '/crm/v3/objects/contacts')).toBeUndefined();
        expect(brief(v.validate({ method: 'PATCH', path: '/crm/v3/objects/contacts', status: 200 }))).toEqual([
          'operation /crm/v3/objects/contacts: PATCH is not declared for /crm/v3/objects/contacts (/crm/v3/objects/contacts, /crm/v3/objects/{objectType} allows GET, POST)',
        ]);
        expect(brief(v.validate({ method: 'GET', path: '/nope/v1/things', status: 200 }))).toEqual([
          'operation /nope/v1/things: no path of the specs matches GET /nope/v1/things',
        ]);
      });

      it('an undeclared status: 200 for a create that answers 201', () => {
        const issues = v.validate({
          method: 'POST',
          path: '/crm/v3/objects/contacts',
          // The spec marks `associations` required on create (HubSpot's docs treat it as optional).
          requestBody: { properties: { email: 'x@example.com' }, associations: [] },
          status: 200,
          responseBody: contact('5'),
        });
        expect(issues).toHaveLength(1);
        expect(issues[0]).toMatchObject({ where: 'response-status', path: '' });
        expect(issues[0]?.message).toContain(
          'status 200 is not declared for POST /crm/v3/objects/contacts (declared: 201, default)',
        );
      });

      it('wrong query parameter types', () => {
        const issues = v.validate({
          method: 'GET',
          path: '/crm/v3/objects/contacts',
          query: 'limit=ten&archived=maybe&unknownParam=1',
          status: 200,
          responseBody: { results: [] },
        });
        expect(brief(issues)).toEqual([
          `query /archived: query parameter 'archived' must be boolean, got "maybe"`,
          `query /limit: query parameter 'limit' must be integer, got "ten"`,
        ]);
      });

      it('an error body that misses the Error fields, a 204 with a body, a missing required body', () => {
        expect(
          brief(
            v.validate({
              method: 'GET',
              path: '/crm/v3/objects/contacts/1',
              status: 500,
              responseBody: { oops: true },
            }),
          ),
        ).toEqual([
          "response-body /category: missing required property 'category'",
          "response-body /correlationId: missing required property 'correlationId'",
          "response-body /message: missing required property 'message'",
        ]);
        expect(
          brief(
            v.validate({ method: 'DELETE', path: '/crm/v3/objects/contacts/1', status: 204, responseBody: { ok: 1 } }),
          ),
        ).toEqual([
          'response-body : status 204 of DELETE /crm/v3/objects/contacts/{contactId} declares no body but one was returned: {"ok":1}',
        ]);
        expect(
          brief(
            v.validate({
              method: 'POST',
              path: '/crm/v3/objects/contacts/search',
              status: 200,
              responseBody: { total: 0, results: [] },
            }),
          ),
        ).toEqual(['request-body : POST /crm/v3/objects/contacts/search requires a request body but none was sent']);
      });

      it('formats the issues for a log', () => {
        const exchange: HttpExchange = {
          method: 'get',
          path: '/crm/v3/objects/contacts/1',
          status: 200,
          responseBody: { ...contact('1'), createdAt: 'yesterday' },
        };
        expect(formatOpenApiIssues(exchange, v.validate(exchange))).toBe(
          'GET /crm/v3/objects/contacts/1 -> 200: 1 issue\n  [response-body] /createdAt: must match format "date-time", got "yesterday"',
        );
        expect(formatOpenApiIssues(exchange, [])).toBe('GET /crm/v3/objects/contacts/1 -> 200: ok');
      });
    });

    describe('path matching', () => {
      it('prefers literal segments over parameters', () => {
        expect(v.match('POST', '/crm/v3/objects/contacts/batch/read')).toEqual({
          operationId: 'post-/crm/v3/objects/contacts/batch/read_read',
          template: '/crm/v3/objects/contacts/batch/read',
          file: 'v3/contacts.json',
        });
        expect(v.match('GET', '/crm/v3/objects/contacts/123')?.template).toBe('/crm/v3/objects/contacts/{contactId}');
        expect(v.match('POST', '/crm/v3/objects/tickets/batch/read')).toMatchObject({
          template: '/crm/v3/objects/{objectType}/batch/read',
          file: 'v3/objects.json',
        });
        expect(v.match('GET', '/crm/v3/objects/tickets/123')?.template).toBe('/crm/v3/objects/{objectType}/{objectId}');
        expect(v.match('GET', '/crm/v3/properties/contacts/groups')?.template).toBe(
          '/crm/v3/properties/{objectType}/groups',
        );
        expect(v.match('GET', '/crm/v3/properties/contacts/email')?.template).toBe(
          '/crm/v3/properties/{objectType}/{propertyName}',
        );
      });

      it('finds deals under /crm/v3/objects/0-3 in the deals file', () => {
        expect(v.match('GET', '/crm/v3/objects/0-3/42')).toEqual({
          operationId: 'get-/crm/v3/objects/0-3/{dealId}_getById',
          template: '/crm/v3/objects/0-3/{dealId}',
          file: 'v3/deals.json',
        });
        expect(v.match('POST', 'https://api.hubapi.com/crm/v3/objects/0-3/batch/upsert?x=1')?.file).toBe(
          'v3/deals.json',
        );
      });

      it('handles date-versioned paths', () => {
        expect(v.match('GET', '/crm/objects/2026-03/contacts')).toMatchObject({
          template: '/crm/objects/2026-03/contacts',
          file: '2026-03/contacts.json',
        });
        expect(v.match('PATCH', '/crm/objects/2026-03/contacts/9')?.template).toBe(
          '/crm/objects/2026-03/contacts/{contactId}',
        );
        expect(v.match('GET', '/crm/objects/2026-03/0-3/9')?.file).toBe('2026-03/deals.json');
        expect(v.match('GET', '/crm/objects/2026-03/tickets/9')).toMatchObject({
          template: '/crm/objects/2026-03/{objectType}/{objectId}',
          file: '2026-03/objects.json',
        });
      });
    });

    // Compiles every schema of every HubSpot spec: heavy, so it declares a budget for a loaded machine.
    it('compiles the schemas of every operation, and every template matches itself', { timeout: 180_000 }, async () => {
      const all = await loadOpenApiValidator({ specDir: hubspotDir });
      const { uncovered: keys } = all.coverage();
      expect(keys.length).toBeGreaterThan(150);
      for (const key of keys) {
        const [method = '', template = ''] = key.split(' ');
        const concrete = template.replace(/\{[^}]+\}/g, '1');
        expect(all.match(method, concrete)?.template, key).toBe(template);
        for (const status of [200, 201, 204, 207, 400]) {
          const issues = all.validate({ method, path: concrete, requestBody: {}, status, responseBody: {} });
          expect(
            issues.filter((issue) => issue.message.includes('cannot compile')),
            key,
          ).toEqual([]);
        }
      }
      expect(all.coverage().uncovered).toEqual([]);
    });

    it('flags null property values, which the spec does not allow (HubSpot returns them for unset properties)', () => {
      const issues = v.validate({
        method: 'GET',
        path: '/crm/v3/objects/contacts/1',
        status: 200,
        responseBody: contact('1', { firstname: null }),
      });
      expect(brief(issues)).toEqual(['response-body /properties/firstname: must be string, got null']);
    });

    it('closes response objects with strictResponses', async () => {
      const strict = await loadOpenApiValidator({ specDir: hubspotDir, strictResponses: true });
      const exchange: HttpExchange = {
        method: 'GET',
        path: '/crm/v3/objects/contacts',
        status: 200,
        responseBody: { results: [contact('1')], paging: { next: { after: '2' } } },
      };
      expect(strict.validate(exchange)).toEqual([]);
      const extra = { ...exchange, responseBody: { results: [{ ...contact('1'), sandboxOnly: true }] } };
      expect(brief(strict.validate(extra))).toEqual([
        "response-body /results/0/sandboxOnly: property 'sandboxOnly' is not declared by the schema, got true",
      ]);
      expect(v.validate(extra)).toEqual([]);
    });

    it('reports coverage', async () => {
      const fresh = await loadOpenApiValidator({
        specDir: hubspotDir,
        include: (file) => file.startsWith('v3/crmOwners'),
      });
      expect(fresh.coverage()).toEqual({
        covered: [],
        uncovered: ['GET /crm/v3/owners', 'GET /crm/v3/owners/{ownerId}'],
      });
      fresh.validate({
        method: 'GET',
        path: '/crm/v3/owners/7',
        status: 404,
        responseBody: { message: 'x', category: 'y', correlationId: 'aeb5f871-7f07-4993-9211-075dc63e7cbf' },
      });
      fresh.validate({ method: 'DELETE', path: '/crm/v3/owners/7', status: 204 });
      expect(fresh.coverage()).toEqual({
        covered: ['GET /crm/v3/owners/{ownerId}'],
        uncovered: ['GET /crm/v3/owners'],
      });

      const all = v.coverage();
      expect(all.covered).toContain('POST /crm/v3/objects/contacts/batch/read');
      expect(all.uncovered).toContain('GET /crm/v3/pipelines/{objectType}');
      expect(new Set([...all.covered, ...all.uncovered]).size).toBe(all.covered.length + all.uncovered.length);
    });

    // Speed is measured by benchmarks, not asserted here: the test's budget only catches a validator gone quadratic.
    it('validates thousands of exchanges quickly', { timeout: 120_000 }, () => {
      const exchanges: HttpExchange[] = [];
      for (let i = 0; i < 3000; i++) {
        exchanges.push({
          method: 'GET',
          path: `/crm/v3/objects/contacts/${i}`,
          query: 'properties=email',
          status: 200,
          responseBody: contact(String(i)),
        });
        exchanges.push({
          method: 'POST',
          path: '/crm/v3/objects/0-3/search',
          requestBody: { filterGroups: [], properties: [], sorts: [], limit: 10, after: String(i) },
          status: 200,
          responseBody: { total: 1, results: [contact(String(i))] },
        });
      }
      let count = 0;
      for (const exchange of exchanges) count += v.validate(exchange).length;
      expect(count).toBe(0);
    });
  },
);

describe('OpenAPI validator on hand-written specs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'crmkit-openapi-'));
    await mkdir(path.join(dir, 'nested'));
    const spec30 = {
      openapi: '3.0.3',
      info: { title: 'shop', version: '1' },
      servers: [{ url: 'https://api.example.com/shop/v1' }],
      paths: {
        '/items': {
          parameters: [{ $ref: '#/components/parameters/Tenant' }],
          get: {
            operationId: 'listItems',
            parameters: [
              { name: 'q', in: 'query', required: true, schema: { type: 'string' } },
              { name: 'ids', in: 'query', explode: false, schema: { type: 'array', items: { type: 'integer' } } },
              { name: 'x-api-key', in: 'header', required: true, schema: { type: 'string' } },
            ],
            responses: {
              '200': {
                description: 'ok',
                content: { 'application/json': { schema: { $ref: '#/components/schemas/ItemList' } } },
              },
              '4XX': { $ref: '#/components/responses/Problem' },
            },
          },
          post: {
            operationId: 'createItem',
            requestBody: { $ref: '#/components/requestBodies/NewItem' },
            responses: {
              '201': {
                description: 'created',
                content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } },
              },
            },
          },
        },
        '/items/{id}.json': {
          get: {
            operationId: 'getItemJson',
            parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
            responses: {
              default: {
                description: 'any',
                content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } },
              },
            },
          },
        },
      },
      components: {
        parameters: { Tenant: { name: 'tenant', in: 'query', schema: { type: 'string', enum: ['a', 'b'] } } },
        requestBodies: {
          NewItem: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } },
          },
        },
        responses: {
          Problem: {
            description: 'problem',
            content: {
              'application/problem+json': {
                schema: { type: 'object', required: ['title'], properties: { title: { type: 'string' } } },
              },
            },
          },
        },
        schemas: {
          Item: {
            type: 'object',
            required: ['id', 'name', 'secret'],
            properties: {
              id: { type: 'integer', format: 'int64', readOnly: true },
              name: { type: 'string', nullable: true, example: 'x', 'x-internal': true },
              secret: { type: 'string', writeOnly: true },
              kind: { type: 'string', enum: ['a', 'b'], nullable: true },
              parent: { $ref: '#/components/schemas/Ref', nullable: true, description: 'ignored sibling' },
              price: { type: 'number', minimum: 0, exclusiveMinimum: true },
              code: { type: 'string', format: 'ean13-custom' },
            },
          },
          Ref: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } },
          ItemList: {
            type: 'object',
            properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Item' } } },
          },
        },
      },
    };
    const spec31 = {
      openapi: '3.1.0',
      info: { title: 'notes', version: '1' },
      paths: {
        '/notes/{id}': {
          get: {
            parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^n[0-9]+$' } }],
            responses: {
              '200': {
                description: 'ok',
                content: {
                  'application/json': {
                    schema: {
                      type: 'object',
                      required: ['id'],
                      properties: {
                        id: { type: 'string' },
                        body: { type: ['string', 'null'] },
                        tags: { type: 'array', prefixItems: [{ const: 'first' }] },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    };
    await writeFile(path.join(dir, 'shop.json'), JSON.stringify(spec30));
    await writeFile(path.join(dir, 'nested', 'notes.json'), JSON.stringify(spec31));
    await writeFile(path.join(dir, 'nested', 'not-openapi.json'), JSON.stringify({ name: 'x' }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('checks required query and header parameters, $ref parameters and non-exploded arrays, under a server base path', async () => {
    const v = await loadOpenApiValidator({ specDir: dir });
    expect(v.match('GET', '/shop/v1/items')).toEqual({
      operationId: 'listItems',
      template: '/items',
      file: 'shop.json',
    });
    expect(v.match('GET', '/items')).toBeUndefined();
    const base = { method: 'GET', path: '/shop/v1/items', status: 200, responseBody: { items: [] } };
    expect(brief(v.validate({ ...base, requestHeaders: {} }))).toEqual([
      "query /q: required query parameter 'q' is missing",
      "query /x-api-key: required header 'x-api-key' is missing",
    ]);
    expect(
      brief(v.validate({ ...base, query: 'q=a&ids=1,2,zz&tenant=c', requestHeaders: { 'X-Api-Key': 'k' } })),
    ).toEqual([
      `query /tenant: query parameter 'tenant' must be one of "a", "b", got "c"`,
      `query /ids/2: query parameter 'ids' must be integer, got "zz"`,
    ]);
    expect(v.validate({ ...base, query: 'q=a&ids=1,2&tenant=a' })).toEqual([]);
  });

  it('handles nullable, readOnly/writeOnly, exclusiveMinimum, unknown formats, 4XX ranges and +json media', async () => {
    const v = await loadOpenApiValidator({ specDir: dir });
    const item = { id: 1, name: null, kind: null, parent: null, price: 1, code: 'anything' };
    expect(v.validate({ method: 'GET', path: '/shop/v1/items/1.json', status: 200, responseBody: item })).toEqual([]);
    expect(
      v.validate({
        method: 'POST',
        path: '/shop/v1/items',
        requestBody: { name: 'n', secret: 's' },
        status: 201,
        responseBody: item,
      }),
    ).toEqual([]);
    expect(
      brief(
        v.validate({
          method: 'GET',
          path: '/shop/v1/items/0.json',
          status: 200,
          responseBody: { ...item, price: 0, kind: 'z', parent: {} },
        }),
      ),
    ).toEqual([
      "path-params /id: path parameter 'id' must be >= 1, got 0",
      `response-body /kind: must be one of "a", "b", null, got "z"`,
      "response-body /parent/id: missing required property 'id'",
      'response-body /price: must be > 0, got 0',
    ]);
    expect(
      brief(
        v.validate({ method: 'GET', path: '/shop/v1/items/2.json', status: 200, responseBody: { ...item, parent: 5 } }),
      ),
    ).toEqual(['response-body /parent: must be object, got 5']);
    expect(
      brief(
        v.validate({
          method: 'GET',
          path: '/shop/v1/items',
          query: 'q=1',
          status: 404,
          responseHeaders: { 'content-type': 'application/problem+json' },
          responseBody: { detail: 'x' },
        }),
      ),
    ).toEqual(["response-body /title: missing required property 'title'"]);
    expect(
      brief(v.validate({ method: 'GET', path: '/shop/v1/items', query: 'q=1', status: 500, responseBody: {} })),
    ).toEqual(['response-status : status 500 is not declared for GET /shop/v1/items (declared: 200, 4XX)']);
  });

  it('supports OpenAPI 3.1 schemas and closes response objects with strictResponses', async () => {
    const v = await loadOpenApiValidator({
      specDir: dir,
      strictResponses: true,
      include: (f) => f.startsWith('nested/'),
    });
    expect(v.coverage().uncovered).toEqual(['GET /notes/{id}']);
    const ok = {
      method: 'GET',
      path: '/notes/n1',
      status: 200,
      responseBody: { id: 'n1', body: null, tags: ['first'] },
    };
    expect(v.validate(ok)).toEqual([]);
    expect(
      brief(v.validate({ ...ok, path: '/notes/x', responseBody: { id: 'n1', tags: ['second'], extra: 1 } })),
    ).toEqual([
      `path-params /id: path parameter 'id' must match pattern "^n[0-9]+$", got "x"`,
      "response-body /extra: property 'extra' is not declared by the schema, got 1",
      'response-body /tags/0: must be equal to constant, got "second"',
    ]);
    expect(v.coverage()).toEqual({ covered: ['GET /notes/{id}'], uncovered: [] });
  });

  it('refuses a folder without OpenAPI files, and takes explicit files', async () => {
    await expect(loadOpenApiValidator({ specDir: path.join(dir, 'missing') })).rejects.toThrow(
      /cannot read OpenAPI spec folder/,
    );
    await expect(loadOpenApiValidator({ specDir: dir, include: () => false })).rejects.toThrow(/no OpenAPI 3 files/);
    const byFiles = await loadOpenApiValidator({
      files: [path.join(dir, 'shop.json'), path.join(dir, 'nested', 'notes.json')],
    });
    expect(byFiles.match('GET', '/notes/n1')?.file).toBe(
      path.relative(process.cwd(), path.join(dir, 'nested', 'notes.json')),
    );
    expect(byFiles.validate({ method: 'GET', path: '/notes/n1', status: 200, responseBody: { id: 'n1' } })).toEqual([]);
  });
});
