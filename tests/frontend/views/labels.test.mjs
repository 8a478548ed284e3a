// Where the contour's labels go: clear of the paths' end markers and the ★, off the paths where they can be.
import test from 'node:test';
import assert from 'node:assert/strict';
import { freeSpot, crosses, segmentsOf } from '../../../frontend/js/views/labels.js';

const plot = { l: 0, r: 400, t: 0, b: 300 };
const apart = (a, o) => a.r <= o.l || o.r <= a.l || a.b <= o.t || o.b <= a.t;

test('a label never lands on what it must leave clear: it takes the next spot', () => {
  const star = { l: 90, r: 130, t: 80, b: 120 };
  const spot = freeSpot([[100, 110], [250, 200]], 80, 14, plot, [star]);
  assert.equal(spot.l, 250);
  assert.ok(apart(spot, star));
  assert.equal(freeSpot([[100, 110]], 80, 14, plot, [star]), null); // nowhere else to go: no label
});

test('a label keeps off the paths where a spot allows it, else sits on one rather than on a marker', () => {
  const path = segmentsOf([[[0, 105], [400, 105]]]); // a level path through the first spot
  const spot = freeSpot([[100, 110], [100, 200]], 80, 14, plot, [], path);
  assert.equal(spot.b, 200);
  assert.equal(freeSpot([[100, 110]], 80, 14, plot, [], path).b, 110); // no spot off it: the first clear one
});

test('a label is moved inside the plot', () => {
  const spot = freeSpot([[380, 5]], 80, 14, plot, []);
  assert.ok(spot.l >= plot.l && spot.r <= plot.r && spot.t >= plot.t && spot.b <= plot.b);
  assert.equal(freeSpot([[0, 0]], 500, 14, plot, []), null); // wider than the plot
});

test('crosses tells a segment through a box from one beside it; segmentsOf skips gaps and repeats', () => {
  const box = { l: 10, r: 20, t: 10, b: 20 };
  assert.ok(crosses([0, 0, 30, 30], box));
  assert.ok(crosses([15, 15, 16, 16], box)); // inside
  assert.ok(!crosses([0, 25, 30, 25], box));
  assert.ok(!crosses([0, 0, 9, 30], box));
  assert.deepEqual(segmentsOf([[[0, 0], [0.5, 0.5], [10, 0], [NaN, 1], [20, 0], [30, 0]]]), [[0, 0, 10, 0], [20, 0, 30, 0]]);
});
