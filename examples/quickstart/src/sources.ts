/**
 * Maps the two departments' exports to crmkit source records. The vendor adapter packages do this (and sync,
 * write-back, webhooks); the quickstart keeps a few lines of it so it runs on files alone.
 */
import type { SourceRecordInput } from '@crmkit/model';

type HubSpotObject = {
  id: string;
  properties: Record<string, string | null>;
  updatedAt?: string;
  associations?: Record<string, { results: { id: string }[] }>;
};
type DynamicsRow = Record<string, string | number | null>;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
const list = (...values: unknown[]): string[] => values.map(text).filter((v): v is string => v !== undefined);

/** HubSpot companies, contacts and meetings, from the sales department's portal. */
export function fromHubSpot(
  source: string,
  exp: { companies: HubSpotObject[]; contacts: HubSpotObject[]; meetings: HubSpotObject[] },
): SourceRecordInput[] {
  const companies = exp.companies.map(
    ({ id, properties: p, updatedAt }): SourceRecordInput => ({
      type: 'organization',
      source,
      externalId: id,
      observedAt: p.hs_lastmodifieddate ?? updatedAt!,
      data: {
        name: p.name!,
        ...(text(p.domain) && { domain: p.domain! }),
        ...(text(p.industry) && { industry: p.industry! }),
        phones: list(p.phone),
      },
    }),
  );
  const contacts = exp.contacts.map(({ id, properties: p, updatedAt, associations }): SourceRecordInput => {
    const companyId = associations?.companies?.results[0]?.id;
    return {
      type: 'person',
      source,
      externalId: id,
      observedAt: p.lastmodifieddate ?? updatedAt!,
      data: {
        ...(text(p.firstname) && { givenName: p.firstname! }),
        ...(text(p.lastname) && { familyName: p.lastname! }),
        ...(text(p.jobtitle) && { jobTitle: p.jobtitle! }),
        ...(text(p.lifecyclestage) && { lifecycleStage: p.lifecyclestage! }),
        emails: list(p.email),
        phones: list(p.phone, p.mobilephone),
        // HubSpot's default contact address properties: address, zip, city, country.
        ...((text(p.address) || text(p.zip) || text(p.city)) && {
          addresses: [
            {
              ...(text(p.address) && { street: p.address! }),
              ...(text(p.zip) && { postalCode: p.zip! }),
              ...(text(p.city) && { city: p.city! }),
            },
          ],
        }),
        ...(companyId && { organization: { ref: { type: 'organization' as const, externalId: companyId } } }),
      },
    };
  });
  const meetings = exp.meetings.map(
    ({ id, properties: p, associations }): SourceRecordInput => ({
      type: 'interaction',
      source,
      externalId: id,
      observedAt: p.hs_lastmodifieddate!,
      data: {
        channel: 'in_person',
        direction: 'outbound',
        occurredAt: p.hs_timestamp!,
        subject: p.hs_meeting_title ?? undefined,
        participants: (associations?.contacts?.results ?? []).map((c) => ({
          ref: { externalId: c.id },
          role: 'customer' as const,
        })),
        activity: {
          kind: 'visit_report',
          visitedAt: p.hs_timestamp!,
          purpose: p.hs_meeting_title!,
          outcome: p.hs_meeting_body ?? undefined,
          followUps: [{ description: 'Send renewal offer' }],
        },
      },
    }),
  );
  return [...companies, ...contacts, ...meetings];
}

/** Dynamics 365 contacts and cases (incidents), from the service department. */
export function fromDynamics(
  source: string,
  exp: { contacts: DynamicsRow[]; incidents: DynamicsRow[] },
): SourceRecordInput[] {
  const contacts = exp.contacts.map(
    (c): SourceRecordInput => ({
      type: 'person',
      source,
      externalId: String(c.contactid),
      observedAt: String(c.modifiedon),
      data: {
        ...(text(c.firstname) && { givenName: String(c.firstname) }),
        ...(text(c.lastname) && { familyName: String(c.lastname) }),
        ...(text(c.fullname) && { fullName: String(c.fullname) }),
        ...(text(c.jobtitle) && { jobTitle: String(c.jobtitle) }),
        emails: list(c.emailaddress1),
        phones: list(c.telephone1, c.mobilephone),
        addresses: text(c.address1_line1)
          ? [
              {
                street: String(c.address1_line1),
                postalCode: String(c.address1_postalcode),
                city: String(c.address1_city),
                country: String(c.address1_country),
              },
            ]
          : [],
      },
    }),
  );
  const cases = exp.incidents.map(
    (i): SourceRecordInput => ({
      type: 'interaction',
      source,
      externalId: String(i.incidentid),
      observedAt: String(i.modifiedon),
      data: {
        channel: 'phone',
        direction: 'inbound',
        occurredAt: String(i.createdon),
        subject: String(i.title),
        participants: [{ ref: { externalId: String(i._customerid_value) }, role: 'customer' }],
        activity: {
          kind: 'case',
          caseNumber: String(i.ticketnumber),
          status: i.statecode === 0 ? 'open' : 'resolved',
          priority: i.prioritycode === 1 ? 'high' : 'normal',
        },
      },
    }),
  );
  return [...contacts, ...cases];
}
