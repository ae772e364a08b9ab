import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { writeAudit } from '../../connectors/audit.ts';
import { AppError } from '../../core/errors.ts';
import type { Store } from '../../store/index.ts';
import { actorOf, tenantCaller } from '../caller.ts';
import { eraseContact } from '../data-protection/contact-erase.ts';
import { exportContact } from '../data-protection/contact-export.ts';
import { parseInput } from '../validate.ts';

const contactId = z.object({ id: z.string().min(1).max(100) });

/**
 * Data-protection requests about one contact (GDPR articles 15, 17 and 20): export all that
 * is stored about them, or erase it. Both are audited; the erasure's entry keeps only counts.
 */
export async function contactRoutes(app: FastifyInstance, options: { store: Store }): Promise<void> {
  const { db, dialect } = options.store;

  app.get('/admin/contacts/:id/export', async (request) => {
    const caller = tenantCaller(request);
    const { id } = parseInput(contactId, request.params, 'contact id');
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

  app.delete('/admin/contacts/:id', async (request, reply) => {
    const caller = tenantCaller(request);
    const { id } = parseInput(contactId, request.params, 'contact id');
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
