-- CreateTable
CREATE TABLE "oauth_grants" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'connected',
    "services" TEXT NOT NULL DEFAULT '[]',
    "scopesGranted" INTEGER NOT NULL DEFAULT 0,
    "accessToken" TEXT,
    "refreshToken" TEXT,
    "expiresAt" BIGINT,
    "refreshLeaseUntil" BIGINT NOT NULL DEFAULT 0,
    "refreshLeaseOwner" TEXT,
    "connectedAt" DATETIME,
    "disconnectedAt" DATETIME,
    "disconnectReason" TEXT,
    "usageCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "oauth_grants_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "tenants" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "oauth_states" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "services" TEXT NOT NULL,
    "codeVerifier" TEXT NOT NULL,
    "browserHash" TEXT NOT NULL,
    "startedAt" BIGINT NOT NULL,
    "expiresAt" BIGINT NOT NULL,
    "usedAt" DATETIME,
    CONSTRAINT "oauth_states_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "tenants" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "oauth_grants_tenantId_provider_key" ON "oauth_grants"("tenantId", "provider");

-- CreateIndex
CREATE INDEX "oauth_states_tenantId_provider_idx" ON "oauth_states"("tenantId", "provider");
