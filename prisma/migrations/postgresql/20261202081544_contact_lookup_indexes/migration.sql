-- CreateIndex
CREATE INDEX "channel_identities_tenantId_contactId_idx" ON "channel_identities"("tenantId", "contactId");

-- CreateIndex
CREATE INDEX "conversations_tenantId_contactId_idx" ON "conversations"("tenantId", "contactId");
