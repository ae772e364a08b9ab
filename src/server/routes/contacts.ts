import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { writeAudit } from '../../connectors/audit.ts';
import { AppError } from '../../core/errors.ts';
import type { Store } from '../../store/index.ts';
import { actorOf, tenantCaller } from '../caller.ts';
import { eraseContact } from '../data-protection/contact-erase.ts';
import { exportContact } from '../data-protection/contact-export.ts';
import { errorResponses, noContent } from '../openapi.ts';

const contactId = z.object({ id: z.string().min(1).max(100) });
const rows = (what: string) => z.array(z.looseObject({ id: z.string() })).describe(what);
const exportSchema = {
  summary: 'everything stored about a contact (GDPR articles 15 and 20)',
  params: contactId,
  response: {
    200: z.object({
      contact: z.looseObject({ id: z.string() }).describe('the contact as stored'),
      identities: rows('how each channel addresses them'),
      conversations: rows('every conversation with its messages, their edits and delivery records'),
      analyticsEvents: rows('analytics rows of those conversations'),
      toolCalls: rows('the agent’s tool calls in them'),
      pendingActions: rows('tool calls that waited for approval in them'),
    }),
    ...errorResponses('NOT_FOUND', 'VALIDATION_FAILED'),
  },
};
const eraseSchema = {
  summary: 'erase the contact and everything stored about them (GDPR article 17)',
  params: contactId,
  response: { 204: noContent, ...errorResponses('NOT_FOUND', 'VALIDATION_FAILED') },
};

/**
 * Data-protection requests about one contact (GDPR articles 15, 17 and 20): export all that
 * is stored about them, or erase it. Both are audited; the erasure's entry keeps only counts.
 */
export async function contactRoutes(app: FastifyInstance, options: { store: Store }): Promise<void> {
  const { db, dialect } = options.store;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/admin/contacts/:id/export', { schema: exportSchema }, async (request) => {
    const caller = tenantCaller(request);
    const { id } = request.params;
    const exported = await exportContact(db, caller.tenantId, id);
    if (!exported) throw new AppError('NOT_FOUND', `there is no contact "${id}"`);
    await writeAudit(db, {
      tenantId: caller.tenantId,
      actor: actorOf(caller),
      action: 'contact.exported',
      target: id,
    });
    return exported;
  });

  api.delete('/admin/contacts/:id', { schema: eraseSchema }, async (request, reply) => {
    const caller = tenantCaller(request);
    const { id } = request.params;
    const erased = await eraseContact(db, dialect, caller.tenantId, id, (transaction, counts) =>
      // No id of the contact: the entry says that an erasure happened, when, by whom, and how much.
      writeAudit(transaction, {
        tenantId: caller.tenantId,
        actor: actorOf(caller),
        action: 'contact.erased',
        target: 'erased',
        details: { ...counts },
      }),
    );
    if (!erased) throw new AppError('NOT_FOUND', `there is no contact "${id}"`);
    return reply.status(204).send();
  });
}
