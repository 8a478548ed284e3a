// Share a run: the follow-along link and its QR code, both made by the server (GET /api/jobs/{id}/share).
import { getShare } from '../core/api.js';
import { t, tr } from '../i18n/i18n.js';

const $ = (id) => document.getElementById(id);

/** Show the dialog for job `id`. The SVG goes in an <img>: markup from a response never becomes DOM. */
export async function openShare(id) {
  const dialog = $('share');
  const link = $('share-link');
  const qr = $('share-qr');
  if (!id) return;
  tr($('share-title'), 'share.title'); // not a class's title
  const { url, qr_svg: svg } = await getShare(id);
  link.textContent = url;
  link.href = url;
  const img = qr.querySelector('img') ?? qr.appendChild(tr(document.createElement('img'), null, { alt: 'share.qrAlt' }));
  if (img.src.startsWith('blob:')) URL.revokeObjectURL(img.src);
  img.src = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  if (!dialog.open) dialog.showModal();
}

export function installShare(currentJob) {
  $('share-open').addEventListener('click', () => openShare(currentJob()).catch((err) => {
    $('share-link').textContent = t('share.failed', { error: err.message });
  }));
  $('share-close').addEventListener('click', () => $('share').close());
}
