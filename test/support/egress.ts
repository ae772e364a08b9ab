/**
 * The egress guard as the tests use it: the suite's own loopback servers are allowed the way
 * an operator allows a local server (`SWITCHBOARD_EGRESS_ALLOW`), everything else internal is refused.
 */
import { createEgress, parseEgressAllow } from '../../src/core/egress.ts';

/** Loopback only: the fakes, Dovecot and Radicale listen on 127.0.0.1 or ::1. */
export const TEST_EGRESS_ALLOW = '127.0.0.0/8,[::1]';

/** A guard that lets tools and connection tests reach the test's loopback servers. */
export const testEgress = createEgress({ allow: parseEgressAllow(TEST_EGRESS_ALLOW) });
