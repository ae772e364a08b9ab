-- CreateTable
CREATE TABLE "whatsapp_qr_auth" (
    "tenantId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("tenantId", "key")
);

-- CreateTable
CREATE TABLE "whatsapp_qr_sessions" (
    "tenantId" TEXT NOT NULL PRIMARY KEY,
    "owner" TEXT,
    "fencingToken" INTEGER NOT NULL DEFAULT 0,
    "leaseExpiresAt" BIGINT NOT NULL DEFAULT 0,
    "state" TEXT NOT NULL DEFAULT 'disconnected',
    "phone" TEXT,
    "connectedSince" DATETIME,
    "lastEventAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "whatsapp_qr_lid_mappings" (
    "tenantId" TEXT NOT NULL,
    "lid" TEXT NOT NULL,
    "phone" TEXT NOT NULL,

    PRIMARY KEY ("tenantId", "lid")
);
