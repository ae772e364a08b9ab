// Stand-in for the seed client's `./types` (not part of the seed): the shapes it sends.
export interface ViewEventData {
  app: string;
  contentId: string;
  contentType: 'post' | 'page' | 'profile' | 'stream' | 'message';
  userId?: string;
  sessionId?: string;
  duration?: number;
  ipAddress?: string;
  deviceType?: 'desktop' | 'mobile' | 'tablet';
}

export interface EngagementEventData {
  userId: string;
  metricType: 'like' | 'comment' | 'share' | 'subscribe' | 'purchase' | 'click';
  targetId: string;
  targetType: 'content' | 'user' | 'stream' | 'product';
  metadata?: Record<string, unknown>;
}
