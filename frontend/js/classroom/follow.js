// Following a teacher's run (/?job=<id>): the job's settings shown read-only, its history so far and
// then its live events from the same stream the teacher's page reads. The player stays local.
import { t } from '../i18n/i18n.js';

/** The job id a follower page follows, or null. */
export function followedJob(search = location.search) {
  return new URLSearchParams(search).get('job');
}

/** Read-only: every setting disabled, run buttons hidden, a badge saying whose run this is. */
export function markFollowing(label) {
  document.body.classList.add('following');
  for (const input of document.querySelectorAll('#controls input, #controls select, #run-buttons button')) input.disabled = true;
  setBadge(t('follow.badge', { label }));
}

/** The badge's words: whose run the page shows, and whether the form is the student's own. */
export function setBadge(text) {
  const badge = document.getElementById('follow-badge');
  badge.textContent = text;
  badge.hidden = !text;
}
