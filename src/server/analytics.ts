import {
  forwardingConnector,
  prepareForwardingConfig,
  targetOf,
  testCollector,
} from '../analytics/forwarding.ts';
import { createRateLimiter } from '../analytics/rate-limit.ts';
import { createTracker, type TrackerLogger } from '../analytics/tracker.ts';
import { createWriteKeys } from '../analytics/write-keys.ts';
import type { ConnectorConfigs } from '../connectors/configs.ts';
import type { HubConnector } from '../connectors/registry.ts';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import type { DispatcherDependencies } from '../dispatcher/deliver.ts';
import type { OnStored } from '../normalizer/ingest.ts';
import type { Db } from '../store/index.ts';
import { ANALYTICS_FORWARD_JOB, createForwardHandler, enqueueForwarding } from './analytics-forward-job.ts';
import { outcomeEvent, receivedEvents } from './message-analytics.ts';

/**
 * Wires analytics into the gateway: the tracker (whose writes enqueue forwarding), the
 * collector's write keys and rate limiter, the forwarding connector in the hub, the forward
 * job, and the hooks through which the normalizer and the dispatcher report messages.
 */
export function createAnalytics(options: {
  config: Config;
  db: Db;
  clock: Clock;
  logger: TrackerLogger;
  fetch: typeof fetch;
  configs: ConnectorConfigs;
  registry: Map<string, HubConnector>;
}) {
  const { config, db, clock, logger, configs, registry } = options;
  const tracker = createTracker({ db, clock, logger, onWritten: enqueueForwarding(clock) });

  registry.set(forwardingConnector.id, {
    definition: forwardingConnector,
    prepareConfig: prepareForwardingConfig,
    async test(values) {
      const target = targetOf(values);
      return target
        ? testCollector(options.fetch, target)
        : { ok: false, detail: 'base_url and write_key are required' };
    },
  });
  const loadTarget = async (tenantId: string) =>
    targetOf((await configs.load(tenantId, forwardingConnector))?.values);

  const onOutcome: NonNullable<DispatcherDependencies['onOutcome']> = (tx, outcome) =>
    tracker.trackInTransaction(tx, outcomeEvent(outcome));

  return {
    tracker,
    writeKeys: createWriteKeys({ db, clock }),
    limiter: createRateLimiter({ clock, ...config.analyticsRate }),
    /** `onStored` that also records `message_received`, in the transaction that stores the messages. */
    withReceivedEvents(onStored: OnStored): OnStored {
      return async (tx, messages) => {
        await onStored(tx, messages);
        await tracker.trackInTransaction(tx, receivedEvents(messages));
      };
    },
    onOutcome,
    jobHandlers: {
      [ANALYTICS_FORWARD_JOB]: createForwardHandler({ db, fetch: options.fetch, loadTarget }),
    },
  };
}
