-- CreateTable
CREATE TABLE "whatsapp_qr_auth" (
    "tenantId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "whatsapp_qr_auth_pkey" PRIMARY KEY ("tenantId","key")
);

-- CreateTable
CREATE TABLE "whatsapp_qr_sessions" (
    "tenantId" TEXT NOT NULL,
    "owner" TEXT,
    "fencingToken" INTEGER NOT NULL DEFAULT 0,
    "leaseExpiresAt" BIGINT NOT NULL DEFAULT 0,
    "state" TEXT NOT NULL DEFAULT 'disconnected',
    "phone" TEXT,
    "connectedSince" TIMESTAMP(3),
    "lastEventAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "whatsapp_qr_sessions_pkey" PRIMARY KEY ("tenantId")
);

-- CreateTable
CREATE TABLE "whatsapp_qr_lid_mappings" (
    "tenantId" TEXT NOT NULL,
    "lid" TEXT NOT NULL,
    "phone" TEXT NOT NULL,

    CONSTRAINT "whatsapp_qr_lid_mappings_pkey" PRIMARY KEY ("tenantId","lid")
);
