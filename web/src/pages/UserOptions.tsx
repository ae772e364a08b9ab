import type { StaffUser } from '../api.ts';

/** One `<option>` per staff member, for the assignee filter and the assign menu. */
export function UserOptions({ users }: { users: StaffUser[] }) {
  return users.map((user) => (
    <option key={user.id} value={user.id}>
      {user.name}
    </option>
  ));
}
