// The gallery of one run: a grid of its images with their stage strips, filters by status,
// keyboard review (arrows to move, A approve, R reject, C comment, Enter to open, Esc to
// close), live updates while the run renders, export of the approved set.
import { api, paths } from './api.js';
import { h, isTyping, s } from './dom.js';
import { formatAgo, formatDuration, plural } from './format.js';
import { shotDetail } from './shot-detail.js';
import { stageStrip } from './stage-strip.js';

const filters = [
  { id: 'all', label: 'All', test: () => true },
  { id: 'review', label: 'To review', test: (chain) => chain.status === 'succeeded' && !chain.decision },
  { id: 'approved', label: 'Approved', test: (chain) => chain.decision?.decision === 'approve' },
  { id: 'rejected', label: 'Rejected', test: (chain) => chain.decision?.decision === 'reject' },
  { id: 'failed', label: 'Failed', test: (chain) => chain.status === 'failed' },
  {
    id: 'progress',
    label: 'In progress',
    test: (chain) => ['pending', 'running', 'stopped'].includes(chain.status),
  },
];

const statusLabels = { pending: 'Waiting', running: 'Rendering…', stopped: 'Stopped', failed: 'Failed' };

const chainId = (chain) => `${chain.shotId}#${chain.seedIndex}`;

export function galleryView(root, initial, context) {
  const { campaign, run } = initial;
  let data = null;
  let otherRuns = [];
  let filter = initial.query.get('status') ?? 'all';
  let selectedId = null;
  let detail = null; // { shotId, seedIndex, element, comment }
  let reloadTimer = null;
  let disposed = false;
  const cards = new Map(); // chain id -> { element, signature }

  const header = h('section', { class: 'page-head gallery-head' });
  const toolbar = h('div', { class: 'toolbar' });
  const grid = h('div', { class: 'grid', role: 'listbox', 'aria-label': 'Images' });
  const hints = h(
    'footer',
    { class: 'key-hints' },
    hint('← → ↑ ↓', 'move'),
    hint('A', 'approve'),
    hint('R', 'reject'),
    hint('C', 'comment'),
    hint('Enter', 'open'),
    hint('Esc', 'close'),
  );
  const layer = h('div', { class: 'detail-layer' });
  root.append(header, toolbar, grid, hints, layer);

  async function load() {
    try {
      data = await api(paths.run(campaign, run));
      if (disposed) return;
      render();
      if (detail) await openDetail(detail.shotId, detail.seedIndex, { keepFocus: true });
    } catch (error) {
      header.replaceChildren(
        h('div', { class: 'empty error' }, error.message, ' ', h('a', { href: '#/' }, 'Back to briefs')),
      );
    }
  }

  async function loadOtherRuns() {
    try {
      const description = await api(paths.campaign(campaign));
      otherRuns = description.runs.filter((entry) => entry.id !== run);
      if (data) renderToolbar();
    } catch {
      otherRuns = [];
    }
  }

  function scheduleReload(delay = 300) {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(load, delay);
  }

  function visible() {
    const test = filters.find((entry) => entry.id === filter)?.test ?? (() => true);
    return data.chains.filter(test);
  }

  function render() {
    renderHeader();
    renderToolbar();
    renderGrid();
  }

  function renderHeader() {
    const active = data.active ?? context.active.get(campaign);
    const live = active && active.runId === run;
    const status = live
      ? active.state === 'stopping'
        ? 'stopping'
        : 'running'
      : data.run.status === 'running'
        ? 'stopped'
        : data.run.status;
    const summary = data.run.summary;
    const done = data.chains.filter((chain) => chain.status === 'succeeded').length;
    header.replaceChildren(
      h(
        'div',
        {},
        h(
          'nav',
          { class: 'crumbs' },
          h('a', { href: '#/' }, 'Briefs'),
          ' / ',
          h('span', {}, data.campaign.name),
        ),
        h(
          'h1',
          {},
          `Run ${run}`,
          h('span', { class: `pill pill-${status}`, dataset: { runStatus: status } }, status),
        ),
        h(
          'p',
          { class: 'muted' },
          `${done}/${data.chains.length} images · ${data.stages.join(' → ')} · started ${formatAgo(data.run.createdAt)}`,
          summary && ` · ${formatDuration(summary.wallMs)}`,
          summary && summary.cacheHits > 0 && ` · ${summary.cacheHits} cache hits`,
          !data.current && ' · the config has changed since this run',
        ),
      ),
      h(
        'div',
        { class: 'head-actions' },
        live && active.state !== 'stopping' && h('button', { class: 'button', onclick: stop }, 'Stop'),
        !live &&
          data.current &&
          (status === 'stopped' || status === 'interrupted') &&
          h('button', { class: 'button button-primary', onclick: () => resume('Resuming') }, 'Resume'),
        !live &&
          data.current &&
          data.counts.failed > 0 &&
          h(
            'button',
            { class: 'button', onclick: () => resume('Retrying failed shots') },
            `Retry ${plural(data.counts.failed, 'failed image')}`,
          ),
      ),
    );
    if (live) header.append(progressBar(active));
  }

  function progressBar(active) {
    const bar = h('div', { class: 'progress-bar' });
    bar.style.setProperty(
      'width',
      `${active.totalJobs ? Math.round((active.finishedJobs / active.totalJobs) * 100) : 0}%`,
    );
    return h(
      'div',
      { class: 'progress gallery-progress' },
      h('div', { class: 'progress-track' }, bar),
      h(
        'div',
        { class: 'progress-label' },
        `${active.finishedJobs}/${active.totalJobs} jobs`,
        active.current && h('span', { class: 'muted' }, active.current),
      ),
    );
  }

  function renderToolbar() {
    const counts = Object.fromEntries(
      filters.map((entry) => [entry.id, data.chains.filter(entry.test).length]),
    );
    const compare = h(
      'select',
      {
        class: 'select',
        'aria-label': 'Compare the selected image with another run',
        disabled: otherRuns.length === 0,
        onchange: (event) => {
          const chain = selectedChain();
          const other = event.target.value;
          event.target.value = '';
          if (!chain || !other)
            return context.toast('Select an image first, then pick a run to compare with', 'warn');
          context.navigate(
            `#/c/${encodeURIComponent(campaign)}/compare/${encodeURIComponent(chain.shotId)}/${chain.seedIndex}?a=${encodeURIComponent(run)}&b=${encodeURIComponent(other)}`,
          );
        },
      },
      h('option', { value: '' }, otherRuns.length ? 'Compare selected with…' : 'No other runs to compare'),
      otherRuns.map((entry) => h('option', { value: entry.id }, `run ${entry.id} (${entry.status})`)),
    );
    const approved = data.counts.approved;
    toolbar.replaceChildren(
      h(
        'div',
        { class: 'filters', role: 'tablist' },
        filters.map((entry) =>
          h(
            'button',
            {
              class: `filter${entry.id === filter ? ' active' : ''}`,
              role: 'tab',
              'aria-selected': String(entry.id === filter),
              dataset: { filter: entry.id },
              onclick: () => {
                filter = entry.id;
                render();
              },
            },
            entry.label,
            h('span', { class: 'count' }, String(counts[entry.id])),
          ),
        ),
      ),
      h(
        'div',
        { class: 'toolbar-end' },
        compare,
        approved > 0
          ? h(
              'a',
              {
                class: 'button button-primary',
                href: paths.exportZip(campaign, run),
                download: '',
                dataset: { action: 'export' },
              },
              `Export ${approved} approved`,
            )
          : h(
              'button',
              { class: 'button', disabled: true, title: 'Approve images first' },
              'Export approved',
            ),
      ),
    );
  }

  function renderGrid() {
    const chains = visible();
    if (chains.length === 0) {
      grid.replaceChildren(
        h(
          'div',
          { class: 'empty' },
          filter === 'all' ? 'No images in this run yet.' : 'Nothing matches this filter.',
        ),
      );
      return;
    }
    if (!chains.some((chain) => chainId(chain) === selectedId)) selectedId = chainId(chains[0]);
    const elements = chains.map((chain) => {
      const id = chainId(chain);
      const signature = JSON.stringify([
        chain.status,
        chain.image?.sha256,
        chain.decision?.id,
        chain.comments,
        chain.stages.map((cell) => cell.status),
        chain.reason,
      ]);
      const cached = cards.get(id);
      if (cached && cached.signature === signature) return cached.element;
      const element = card(chain);
      cards.set(id, { element, signature });
      return element;
    });
    grid.replaceChildren(...elements);
    markSelected(false);
  }

  function card(chain) {
    const decision = chain.decision?.decision;
    const badge =
      decision === 'approve'
        ? h('span', { class: 'badge badge-approve' }, '✓ Approved')
        : decision === 'reject'
          ? h('span', { class: 'badge badge-reject' }, '✕ Rejected')
          : chain.status !== 'succeeded' &&
            h('span', { class: `badge badge-${chain.status}` }, statusLabels[chain.status] ?? chain.status);
    return h(
      'article',
      {
        class: `shot-card status-${chain.status}${decision ? ` decided-${decision}` : ''}`,
        role: 'option',
        tabindex: '-1',
        dataset: {
          shot: chain.shotId,
          seedIndex: chain.seedIndex,
          status: chain.status,
          decision: decision ?? 'none',
        },
        onclick: () => select(chainId(chain)),
        ondblclick: () => openDetail(chain.shotId, chain.seedIndex),
      },
      h(
        'div',
        { class: 'shot-image' },
        chain.image
          ? h('img', {
              class: 'shot-img',
              src: paths.artifact(campaign, chain.image.sha256, 640),
              alt: `${chain.shotId}, seed ${chain.seed}`,
              loading: 'lazy',
              decoding: 'async',
            })
          : h('div', { class: 'shot-placeholder' }, statusLabels[chain.status] ?? chain.status),
        badge,
        chain.comments > 0 &&
          h(
            'span',
            { class: 'badge badge-comments', title: plural(chain.comments, 'comment') },
            s('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true' }, s('path', { d: 'M4 5h16v11H9l-5 4z' })),
            String(chain.comments),
          ),
      ),
      h(
        'div',
        { class: 'shot-meta' },
        h(
          'div',
          { class: 'shot-title' },
          h('strong', {}, chain.shotId),
          h('span', { class: 'muted' }, `seed ${chain.seed}`),
        ),
        chain.headline && h('div', { class: 'headline' }, chain.headline),
      ),
      stageStrip(campaign, data.stages, chain.stages),
      chain.status === 'failed' &&
        h(
          'div',
          { class: 'failure' },
          h('p', {}, chain.reason),
          data.current &&
            h(
              'button',
              {
                class: 'button button-small',
                onclick: (event) => {
                  event.stopPropagation();
                  resume('Retrying failed shots');
                },
              },
              'Retry',
            ),
        ),
    );
  }

  function select(id, scroll = true) {
    selectedId = id;
    markSelected(scroll);
  }

  function markSelected(scroll) {
    for (const [id, { element }] of cards) {
      const selected = id === selectedId;
      element.classList.toggle('selected', selected);
      element.setAttribute('aria-selected', String(selected));
      if (selected && scroll && element.isConnected)
        element.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    }
  }

  function selectedChain() {
    return data?.chains.find((chain) => chainId(chain) === selectedId);
  }

  function move(key) {
    const chains = visible();
    if (chains.length === 0) return;
    const index = Math.max(
      0,
      chains.findIndex((chain) => chainId(chain) === selectedId),
    );
    const elements = [...grid.querySelectorAll('.shot-card')];
    const top = elements[0]?.offsetTop;
    const columns = Math.max(1, elements.filter((element) => element.offsetTop === top).length);
    const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -columns, ArrowDown: columns }[key];
    const next = Math.min(chains.length - 1, Math.max(0, index + step));
    select(chainId(chains[next]));
    if (detail) openDetail(chains[next].shotId, chains[next].seedIndex);
  }

  async function openDetail(shotId, seedIndex, options = {}) {
    const target = `#/c/${encodeURIComponent(campaign)}/r/${encodeURIComponent(run)}/s/${encodeURIComponent(shotId)}/${seedIndex}`;
    if (location.hash !== target && !options.fromRoute) history.replaceState(null, '', target);
    select(`${shotId}#${seedIndex}`, false);
    const focusComment = options.focusComment ?? false;
    const hadFocus = detail?.comment && document.activeElement === detail.comment;
    let response;
    try {
      response = await api(paths.chain(campaign, run, shotId, seedIndex));
    } catch (error) {
      context.toast(error.message, 'bad');
      return;
    }
    if (disposed) return;
    const rendered = shotDetail({
      campaign,
      detail: response,
      stages: data.stages,
      focusComment: focusComment || (options.keepFocus && hadFocus),
      onReview: (decision, comment) => review(response.chain, decision, comment),
      onClose: closeDetail,
      onPrevious: () => move('ArrowLeft'),
      onNext: () => move('ArrowRight'),
    });
    detail = { shotId, seedIndex, element: rendered.element, comment: rendered.comment };
    layer.replaceChildren(rendered.element);
    document.body.classList.add('has-detail');
  }

  function closeDetail() {
    detail = null;
    layer.replaceChildren();
    document.body.classList.remove('has-detail');
    history.replaceState(null, '', `#/c/${encodeURIComponent(campaign)}/r/${encodeURIComponent(run)}`);
    markSelected(true);
  }

  async function review(chain, decision, comment) {
    if (chain.status !== 'succeeded' || !chain.image) {
      context.toast('Only finished images can be reviewed', 'warn');
      return false;
    }
    const reviewer = context.reviewer();
    if (!reviewer) return false;
    try {
      await api(paths.reviews(campaign, run), {
        method: 'POST',
        body: {
          shotId: chain.shotId,
          seedIndex: chain.seedIndex,
          decision,
          reviewer,
          sha256: chain.image.sha256,
          ...(comment ? { comment } : {}),
        },
      });
    } catch (error) {
      context.toast(`Not saved: ${error.message}`, 'bad');
      return false;
    }
    const label = { approve: 'Approved', reject: 'Rejected', comment: 'Comment added to' }[decision];
    context.toast(`${label} ${chain.shotId} · seed ${chain.seed}`, decision === 'reject' ? 'bad' : 'good');
    await load();
    return true;
  }

  async function resume(label) {
    try {
      await api(paths.resume(campaign, run), { method: 'POST' });
      context.toast(`${label}: run ${run}`, 'good');
      scheduleReload(100);
    } catch (error) {
      context.toast(`Could not resume: ${error.message}`, 'bad');
    }
  }

  async function stop() {
    try {
      await api(paths.stop(campaign, run), { method: 'POST' });
      context.toast('Stopping after the images in progress', 'info');
    } catch (error) {
      context.toast(error.message, 'bad');
    }
  }

  function onKey(event) {
    if (!data || event.metaKey || event.ctrlKey || event.altKey) return;
    if (isTyping(event)) return;
    const chain = detail
      ? data.chains.find(
          (candidate) => candidate.shotId === detail.shotId && candidate.seedIndex === detail.seedIndex,
        )
      : selectedChain();
    switch (event.key) {
      case 'ArrowLeft':
      case 'ArrowRight':
      case 'ArrowUp':
      case 'ArrowDown':
        event.preventDefault();
        move(event.key);
        break;
      case 'a':
      case 'A':
        if (chain) review(chain, 'approve');
        break;
      case 'r':
      case 'R':
        if (chain) review(chain, 'reject');
        break;
      case 'c':
      case 'C':
        event.preventDefault();
        if (!chain) break;
        if (detail) detail.comment.focus();
        else openDetail(chain.shotId, chain.seedIndex, { focusComment: true });
        break;
      case 'Enter':
        if (chain && !detail) openDetail(chain.shotId, chain.seedIndex);
        break;
      case 'Escape':
        if (detail) closeDetail();
        break;
      default:
    }
  }

  const unsubscribe = context.on((event) => {
    if (event.type === 'snapshot') return scheduleReload();
    if (event.campaignId !== campaign || event.runId !== run) return;
    if (event.type === 'run-state') return scheduleReload(50);
    if (event.type === 'review') return scheduleReload(150);
    if (event.type === 'run') {
      const kind = event.event.type;
      if (
        kind === 'job-finished' ||
        kind === 'chain-failed' ||
        kind === 'run-finished' ||
        kind === 'job-rejected'
      )
        scheduleReload();
      else if (kind === 'job-started' && data) {
        // Keep the progress line current between reloads.
        const active = context.active.get(campaign);
        if (active && active.runId === run) renderHeader();
      }
    }
  });
  document.addEventListener('keydown', onKey);
  load().then(() => {
    if (initial.shot !== null) openDetail(initial.shot, initial.seedIndex, { fromRoute: true });
  });
  loadOtherRuns();

  return {
    update(params) {
      if (params.shot === null) {
        if (detail) closeDetail();
      } else if (!detail || detail.shotId !== params.shot || detail.seedIndex !== params.seedIndex) {
        openDetail(params.shot, params.seedIndex, { fromRoute: true });
      }
    },
    dispose() {
      disposed = true;
      unsubscribe();
      clearTimeout(reloadTimer);
      document.removeEventListener('keydown', onKey);
      document.body.classList.remove('has-detail');
    },
  };
}

function hint(key, label) {
  return h('span', { class: 'hint' }, h('kbd', {}, key), label);
}
