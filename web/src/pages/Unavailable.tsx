import { useEffect, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { useI18n } from '../i18n.ts';

/**
 * Loads a list from a route another part of the gateway provides; a 404 (the route is not
 * there on this version) shows a notice instead of an error.
 */
export function useOptionalList<Item>(path: string, version = 0): Item[] | 'unavailable' | undefined {
  const [items, setItems] = useState<Item[] | 'unavailable'>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` forces a reload.
  useEffect(() => {
    api<{ items: Item[] }>('GET', path).then(
      (answer) => setItems(answer.items),
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 404) setItems('unavailable');
        else throw error;
      },
    );
  }, [path, version]);
  return items;
}

export function UnavailableNotice() {
  const { t } = useI18n();
  return <p className="muted">{t.unavailable}</p>;
}
