-- AlterTable
ALTER TABLE "channel_identities" ADD COLUMN     "phone" TEXT;

-- CreateIndex
CREATE INDEX "channel_identities_tenantId_phone_idx" ON "channel_identities"("tenantId", "phone");

-- Backfill: SMS senders arrive from Twilio in E.164 already, and WhatsApp Cloud API ids are the
-- same digits without the plus.
UPDATE "channel_identities" SET "phone" = "externalId" WHERE "channel" = 'sms' AND "externalId" ~ '^\+[0-9]{7,15}$';
UPDATE "channel_identities" SET "phone" = '+' || "externalId" WHERE "channel" = 'whatsapp' AND "externalId" ~ '^[0-9]{7,15}$';

-- Merge: every number keeps the contact of its oldest identity. Conversations move first (they
-- find their keeper through their contact's identity), then an opt-out of any merged contact
-- carries over, then the identities move, and the emptied contacts go.
UPDATE "conversations" SET "contactId" = (
  SELECT "keeper"."contactId"
  FROM "channel_identities" AS "own"
  JOIN "channel_identities" AS "keeper" ON "keeper"."tenantId" = "own"."tenantId" AND "keeper"."phone" = "own"."phone"
  WHERE "own"."contactId" = "conversations"."contactId"
  ORDER BY "keeper"."createdAt", "keeper"."id"
  LIMIT 1
)
WHERE "contactId" IN (SELECT "contactId" FROM "channel_identities" WHERE "phone" IS NOT NULL);

UPDATE "contacts" SET "optedOut" = true
WHERE "optedOut" = false AND "id" IN (
  SELECT "keeper"."contactId"
  FROM "channel_identities" AS "keeper"
  JOIN "channel_identities" AS "other" ON "other"."tenantId" = "keeper"."tenantId" AND "other"."phone" = "keeper"."phone"
  JOIN "contacts" AS "merged" ON "merged"."id" = "other"."contactId"
  WHERE "merged"."optedOut" = true
);

UPDATE "channel_identities" SET "contactId" = (
  SELECT "keeper"."contactId"
  FROM "channel_identities" AS "keeper"
  WHERE "keeper"."tenantId" = "channel_identities"."tenantId" AND "keeper"."phone" = "channel_identities"."phone"
  ORDER BY "keeper"."createdAt", "keeper"."id"
  LIMIT 1
)
WHERE "phone" IS NOT NULL;

DELETE FROM "contacts"
WHERE NOT EXISTS (SELECT 1 FROM "channel_identities" WHERE "channel_identities"."contactId" = "contacts"."id")
  AND NOT EXISTS (SELECT 1 FROM "conversations" WHERE "conversations"."contactId" = "contacts"."id");
