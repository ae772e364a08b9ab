import type { Clock } from '../core/clock.ts';
import type { ConnectorValues } from '../core/connector.ts';
import type { Egress } from '../core/egress.ts';
import type { DeadLetteredReply } from '../dispatcher/deliver.ts';
import { enqueueJobs } from '../queue/jobs.ts';
import type { JobHandler } from '../queue/worker.ts';
import type { Db, DbTransaction } from '../store/index.ts';
import { readSmtpSettings } from './smtp-settings.ts';
import { sendSmtpMail } from './smtp-transport.ts';
import { composeNotice, type StaffNotice } from './staff-notices.ts';

export const NOTIFY_STAFF_JOB = 'notifications.staff';

/** Attempts for one notice: a mail server that is down for a while still gets it. */
const MAX_ATTEMPTS = 6;

export interface StaffNotifierOptions {
  db: Db;
  clock: Clock;
  /** The tenant's decrypted `smtp` configuration, or undefined when none is stored. */
  loadSmtpConfig(tenantId: string): Promise<ConnectorValues | undefined>;
  /** The tenant's SMTP server is a destination the tenant configured. */
  egress: Egress;
}

/**
 * Staff notices by email over the tenant's own SMTP server. Each notice is a job, so it
 * survives a restart and a mail server that is briefly down is retried with backoff; a
 * tenant without SMTP or without `notify_email` gets none.
 */
export function createStaffNotifier(options: StaffNotifierOptions) {
  const { db, clock, loadSmtpConfig, egress } = options;

  const enqueue = (tx: DbTransaction, tenantId: string, notice: StaffNotice) =>
    enqueueJobs(tx, [
      { tenantId, kind: NOTIFY_STAFF_JOB, payload: notice, runAtMs: clock.now(), maxAttempts: MAX_ATTEMPTS },
    ]);

  const send: JobHandler = async (job) => {
    const notice = job.payload as StaffNotice;
    const config = await loadSmtpConfig(job.tenantId);
    if (!config?.notify_email) return;
    const settings = readSmtpSettings(config);
    if (notice.kind === 'channel_logged_out') {
      const tenant = await db.tenant.findUnique({ where: { id: job.tenantId }, select: { name: true } });
      if (!tenant) return;
      const context = { tenantName: tenant.name, contactName: null };
      await sendSmtpMail(settings, composeNotice(notice, context, settings.notifyEmails), egress);
      return;
    }
    const conversation = await db.conversation.findFirst({
      where: { id: notice.conversationId, tenantId: job.tenantId },
      select: { tenant: { select: { name: true } }, contact: { select: { displayName: true } } },
    });
    if (!conversation) return;
    const context = { tenantName: conversation.tenant.name, contactName: conversation.contact.displayName };
    await sendSmtpMail(settings, composeNotice(notice, context, settings.notifyEmails), egress);
  };

  return {
    /** For the dispatcher's `onDeadLettered`: tells staff a reply will not arrive. */
    async replyDeadLettered(reply: DeadLetteredReply): Promise<void> {
      const { tenantId, conversationId, channel, errorCode, reason } = reply;
      await db.$transaction((tx) =>
        enqueue(tx, tenantId, { kind: 'reply_dead_lettered', conversationId, channel, errorCode, reason }),
      );
    },

    /**
     * Tells staff a conversation needs a person, in the caller's transaction (the one that
     * hands the conversation over), so the notice exists exactly when the handover does.
     */
    conversationNeedsHuman(
      tx: DbTransaction,
      request: { tenantId: string; conversationId: string; channel: string; reason?: string },
    ): Promise<void> {
      const { tenantId, ...notice } = request;
      return enqueue(tx, tenantId, { kind: 'needs_human', ...notice });
    },

    /** Tells staff a Google or Microsoft grant must be connected again, in the caller's transaction. */
    integrationNeedsReconnect(
      tx: DbTransaction,
      request: { tenantId: string; conversationId: string; provider: string },
    ): Promise<void> {
      const { tenantId, ...notice } = request;
      return enqueue(tx, tenantId, { kind: 'integration_reconnect_needed', ...notice });
    },

    /** Tells staff a channel's linked device was logged out, in the caller's transaction. */
    channelLoggedOut(
      tx: DbTransaction,
      request: { tenantId: string; channel: string; channelName: string },
    ): Promise<void> {
      const { tenantId, ...notice } = request;
      return enqueue(tx, tenantId, { kind: 'channel_logged_out', ...notice });
    },

    jobHandlers: { [NOTIFY_STAFF_JOB]: send } satisfies Record<string, JobHandler>,
  };
}

/** The staff notifier of one gateway. */
export type StaffNotifier = ReturnType<typeof createStaffNotifier>;
