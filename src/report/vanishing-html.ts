/** The vanishing report's page: the verdict, the answers, the series table and the charts. */
import type { VanishingResult } from '../vanishing/analyse.js';
import { vanishingAnswers } from './vanishing-answers.js';
import { SERIES_HEADER, seriesRows, vanishingNotes, vanishingSetup, vanishingVerdict } from './vanishing-text.js';
import type { RenderedChart } from './charts.js';
import { vanishingCaptions } from './vanishing-charts-captions.js';
import { escapeHtml, figure, footer, page, table, verdict } from './html-page.js';

export interface VanishingMeta {
  command: string;
  backend: string;
  tfjsVersion: string;
  createdAt: string;
  toolVersion: string;
}

export function renderVanishingHtml(v: VanishingResult, meta: VanishingMeta, charts: RenderedChart[]): string {
  const captions = vanishingCaptions(v);
  const { answer, cellsAnswer } = vanishingAnswers(v);
  const body = [
    '<h1>bptt-check vanishing</h1>',
    verdict(v.pass, vanishingVerdict(v)),
    `<p id="setup">${escapeHtml(vanishingSetup(v))}</p>`,
    `<h2>Would sigmoid help?</h2><p id="answer">${escapeHtml(answer)}</p>`,
    ...(cellsAnswer
      ? [
          `<h2>How much longer do gradients survive in gated cells?</h2><p id="cells-answer">${escapeHtml(cellsAnswer)}</p>`,
        ]
      : []),
    table(SERIES_HEADER, seriesRows(v), (n) => !(v.series[n]!.adjointCheck.pass && v.series[n]!.boundCheck.pass)),
    ...vanishingNotes(v).map((n) => `<p class="note">${escapeHtml(n)}</p>`),
    ...charts.map((c) => figure(c, captions[c.name] ?? c.name)),
    ...footer(
      meta.command,
      `bptt-check ${meta.toolVersion}, tfjs ${meta.tfjsVersion} on the ${meta.backend} backend, ${meta.createdAt}.`,
    ),
  ];
  return page(`bptt-check vanishing: ${v.pass ? 'PASS' : 'FAIL'}`, body);
}
