// lstmkit explore: one LSTM cell, its gates drawn as the inputs change (plain JavaScript, SVG).
//
// The page's data (JSON in <script id="lstmkit-data">, written by lstmkit.explore.page):
//   weights: weight_ih (4H, I), weight_hh (4H, H), bias_ih, bias_hh (4H), rows i, f, g, o
//   sequences: [{name, x: (T, I)}] to step through, h and c starting at 0
// One step, in the code's symbols (lstmkit/cells/lstm.py):
//   z  = weight_ih x + bias_ih + weight_hh h + bias_hh     = [z_i z_f z_g z_o]
//   i  = sigmoid(z_i)  f = sigmoid(z_f)  g = tanh(z_g)  o = sigmoid(z_o)
//   c' = f * c + i * g          h' = o * tanh(c')
// The mistakes switch replaces the cell update with what wrong tutorial code computes:
//   "forget-on-h": c' = f * h + i * g        (the forget gate applied to h, not c)
//   "previous-f":  c' = f_prev * c + i * g   (the forget gate of step t-1; 0 before step 0)
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("lstmkit-data").textContent);
  const W = data.weights;
  const H = W.weight_hh[0].length;
  const I = W.weight_ih[0].length;
  const NAMES = ["i", "f", "g", "o", "c", "h"];
  const LABELS = { i: "i", f: "f", g: "g", o: "o", c: "c'", h: "h'" };
  const GATES = new Set(["i", "f", "o"]); // in (0, 1); the others are signed
  const CELL_UPDATE = {
    correct: "c' = f * c + i * g",
    "forget-on-h": "c' = f * h + i * g      <- mistake: the forget gate on h, not c",
    "previous-f": "c' = f_prev * c + i * g <- mistake: f of step t-1, not this step's f",
  };

  const sigmoid = (v) => 1 / (1 + Math.exp(-v));
  const zeros = (n) => new Array(n).fill(0);

  // z = weight_ih x + bias_ih + weight_hh h + bias_hh: the 4H pre-activations, rows i, f, g, o
  function preActivations(x, h) {
    const z = new Array(4 * H);
    for (let r = 0; r < 4 * H; r++) {
      const wi = W.weight_ih[r];
      const wh = W.weight_hh[r];
      let s = W.bias_ih[r] + W.bias_hh[r];
      for (let k = 0; k < I; k++) s += wi[k] * x[k];
      for (let k = 0; k < H; k++) s += wh[k] * h[k];
      z[r] = s;
    }
    return z;
  }

  // One step under `mode` ("correct" or a mistake): {i, f, g, o, c, h}, each H numbers.
  function stepWith(mode, x, h, c, fPrev) {
    const z = preActivations(x, h);
    const out = { i: [], f: [], g: [], o: [], c: [], h: [] };
    for (let u = 0; u < H; u++) {
      const i = sigmoid(z[u]);
      const f = sigmoid(z[H + u]);
      const g = Math.tanh(z[2 * H + u]);
      const o = sigmoid(z[3 * H + u]);
      let kept = f * c[u]; // the forget gate of THIS step times the cell state
      if (mode === "forget-on-h") kept = f * h[u];
      if (mode === "previous-f") kept = fPrev[u] * c[u];
      const cNew = kept + i * g;
      out.i.push(i);
      out.f.push(f);
      out.g.push(g);
      out.o.push(o);
      out.c.push(cNew);
      out.h.push(o * Math.tanh(cNew));
    }
    return out;
  }

  // A whole sequence from h = c = 0 (and f_prev = 0): per step its inputs and outputs.
  function run(mode, xs) {
    let h = zeros(H);
    let c = zeros(H);
    let fPrev = zeros(H);
    return xs.map((x) => {
      const s = stepWith(mode, x, h, c, fPrev);
      const record = { x: x, hPrev: h, cPrev: c, fPrev: fPrev, out: s };
      h = s.h;
      c = s.c;
      fPrev = s.f;
      return record;
    });
  }

  // a wrong length would silently give NaN: refuse it, naming the argument
  function checked(name, values, size) {
    if (!Array.isArray(values) || values.length !== size) {
      const got = Array.isArray(values) ? `${values.length} numbers` : typeof values;
      throw new Error(`lstmkitCell.step: ${name} must be an array of ${size} numbers; got ${got}`);
    }
    return values;
  }

  window.lstmkitCell = {
    weights: W,
    step: (x, h, c) =>
      stepWith("correct", checked("x", x, I), checked("h", h, H), checked("c", c, H), null),
  };

  // ---- page state ------------------------------------------------------------------------
  const state = { mode: "correct", sequence: 0, t: 0, unit: 0, runs: [] };
  const inputs = { x: zeros(I), h: zeros(H), c: zeros(H), fPrev: zeros(H) };
  const $ = (id) => document.getElementById(id);
  const fmt = (v) => (v >= 0 ? "+" : "") + v.toFixed(4);

  function sequence() {
    return data.sequences[state.sequence];
  }

  // symmetric bound of the sliders: the largest magnitude the page will show, at least 1
  function bound(values) {
    let m = 1;
    for (const v of values) m = Math.max(m, Math.abs(v));
    return Math.ceil(m);
  }

  // ---- the inputs: x, h and c as sliders with editable numbers -------------------------------
  function buildInputs() {
    const allX = data.sequences.flatMap((s) => s.x.flat());
    const groups = [
      ["x", I, "input x", bound(allX)],
      ["h", H, "previous hidden state h", 1],
      ["c", H, "previous cell state c", 3],
    ];
    const box = $("inputs");
    box.innerHTML = "";
    for (const [name, size, title, limit] of groups) {
      const head = document.createElement("h3");
      head.textContent = title;
      box.appendChild(head);
      for (let k = 0; k < size; k++) box.appendChild(inputRow(name, k, limit));
    }
  }

  function inputRow(name, k, limit) {
    const row = document.createElement("div");
    row.className = "input-row";
    const label = document.createElement("label");
    label.textContent = `${name}[${k}]`;
    label.htmlFor = `in-${name}-${k}`;
    const slider = document.createElement("input");
    Object.assign(slider, { type: "range", min: -limit, max: limit, step: 0.01 });
    slider.id = `range-${name}-${k}`;
    const number = document.createElement("input");
    Object.assign(number, { type: "number", step: 0.1 });
    number.id = `in-${name}-${k}`;
    const set = (text, other) => {
      const v = parseFloat(text);
      if (!Number.isFinite(v)) return; // half-typed ("-"): keep the last value
      inputs[name][k] = v;
      other.value = String(v);
      update();
    };
    slider.addEventListener("input", () => set(slider.value, number));
    number.addEventListener("input", () => set(number.value, slider));
    row.append(label, slider, number);
    return row;
  }

  function showInputs() {
    for (const name of ["x", "h", "c"]) {
      inputs[name].forEach((v, k) => {
        $(`in-${name}-${k}`).value = String(v);
        $(`range-${name}-${k}`).value = String(v);
      });
    }
  }

  // ---- drawing: bars per unit for every gate and state ---------------------------------------
  function bars(out) {
    const width = Math.max(4, Math.min(28, Math.floor(470 / H)));
    const rowHeight = 54;
    const left = 36;
    const cMax = bound(out.c);
    let svg = "";
    NAMES.forEach((name, r) => {
      const top = r * rowHeight + 6;
      const signed = !GATES.has(name);
      const scale = name === "c" ? cMax : 1;
      const base = signed ? top + 22 : top + 44; // where 0 lies
      const half = signed ? 22 : 44;
      svg += `<text x="4" y="${top + 26}" class="row-label">${LABELS[name]}</text>`;
      svg += `<line x1="${left}" x2="${left + H * width}" y1="${base}" y2="${base}" class="axis"/>`;
      out[name].forEach((v, u) => {
        const length = (Math.abs(v) / scale) * half;
        const y = v >= 0 ? base - length : base;
        const kind = signed ? (v >= 0 ? "positive" : "negative") : "gate";
        svg +=
          `<rect class="bar ${kind}" data-name="${name}" data-unit="${u}" data-value="${v}"` +
          ` x="${left + u * width + 1}" y="${y}" width="${width - 2}" height="${length}">` +
          `<title>${LABELS[name]}[${u}] = ${v}</title></rect>`;
      });
    });
    const svgWidth = left + H * width + 8;
    const svgHeight = NAMES.length * rowHeight + 8;
    $("gates").innerHTML =
      `<svg width="${svgWidth}" height="${svgHeight}" role="img" ` +
      `aria-label="the gates and states of every unit">${svg}</svg>`;
  }

  function table(out, correct) {
    const rows = NAMES.map((name) => [LABELS[name], name, out[name]]);
    if (state.mode === "previous-f") rows.push(["f_prev", "fprev", inputs.fPrev]);
    if (correct) {
      rows.push(["c' (correct)", "c-correct", correct.c], ["h' (correct)", "h-correct", correct.h]);
    }
    let html = "<tr><th></th>" + out.i.map((_, u) => `<th>${u}</th>`).join("") + "</tr>";
    for (const [label, id, values] of rows) {
      html += `<tr><th>${label}</th>`;
      html += values
        .map((v, u) => `<td id="out-${id}-${u}" data-value="${v}">${fmt(v)}</td>`)
        .join("");
      html += "</tr>";
    }
    $("values").innerHTML = html;
  }

  // the equations with unit `state.unit`'s numbers beside them
  function equations(out) {
    const u = state.unit;
    const v = (name) => fmt(name === "fPrev" ? inputs.fPrev[u] : out[name][u]);
    const c = fmt(inputs.c[u]);
    const h = fmt(inputs.h[u]);
    const kept = { correct: `${v("f")} * ${c}`, "forget-on-h": `${v("f")} * ${h}` };
    kept["previous-f"] = `${v("fPrev")} * ${c}`;
    $("eq-i").textContent = `= ${v("i")}`;
    $("eq-f").textContent = `= ${v("f")}`;
    $("eq-g").textContent = `= ${v("g")}`;
    $("eq-o").textContent = `= ${v("o")}`;
    $("eq-c-text").textContent = CELL_UPDATE[state.mode];
    $("eq-c-text").className = state.mode === "correct" ? "" : "wrong";
    $("eq-c").textContent = `= ${kept[state.mode]} + ${v("i")} * ${v("g")} = ${v("c")}`;
    $("eq-h").textContent = `= ${v("o")} * tanh(${v("c")}) = ${v("h")}`;
  }

  function update() {
    const out = stepWith(state.mode, inputs.x, inputs.h, inputs.c, inputs.fPrev);
    const correct =
      state.mode === "correct" ? null : stepWith("correct", inputs.x, inputs.h, inputs.c, null);
    bars(out);
    table(out, correct);
    equations(out);
  }

  // ---- the sequence over time: heatmaps of x and every gate, cell-state lines ---------------
  function colour(v, gate, scale) {
    if (gate) {
      const a = Math.round(255 * (1 - Math.min(1, Math.max(0, v))));
      return `rgb(${a},${a},255)`;
    }
    const s = Math.min(1, Math.abs(v) / scale);
    const a = Math.round(255 * (1 - s));
    return v >= 0 ? `rgb(255,${a},${a})` : `rgb(${a},${a},255)`;
  }

  function heatmap(name, title, matrix, gate) {
    const T = matrix.length;
    const rows = matrix[0].length;
    const w = Math.max(6, Math.min(24, Math.floor(640 / T)));
    const h = Math.max(3, Math.min(14, Math.floor(150 / rows)));
    const scale = gate ? 1 : bound(matrix.flat());
    let svg = "";
    matrix.forEach((column, t) => {
      column.forEach((v, k) => {
        svg += `<rect x="${t * w}" y="${k * h}" width="${w}" height="${h}" fill="${colour(v, gate, scale)}"><title>${name}[${k}] at t = ${t}: ${v}</title></rect>`;
      });
    });
    svg += `<rect class="marker" x="${state.t * w}" y="0" width="${w}" height="${rows * h}"/>`;
    const range = gate ? "0 (white) to 1 (blue)" : `-${scale} (blue) to +${scale} (red)`;
    return (
      `<figure class="heatmap"><figcaption>${title}: ${range}</figcaption>` +
      `<svg data-name="${name}" width="${T * w}" height="${rows * h}">${svg}</svg></figure>`
    );
  }

  function cellLines(runs) {
    const T = runs.length;
    const units = Math.min(H, 8);
    const width = 640;
    const height = 140;
    const scale = bound(runs.flatMap((r) => r.out.c));
    const x = (t) => (T === 1 ? width / 2 : (t * width) / (T - 1));
    const y = (v) => height / 2 - (v / scale) * (height / 2 - 4);
    let svg = `<line class="axis" x1="0" x2="${width}" y1="${y(0)}" y2="${y(0)}"/>`;
    for (let u = 0; u < units; u++) {
      const points = runs.map((r, t) => `${x(t)},${y(r.out.c[u])}`).join(" ");
      svg += `<polyline class="line unit${u}" points="${points}"><title>c[${u}]</title></polyline>`;
    }
    svg += `<line class="marker" x1="${x(state.t)}" x2="${x(state.t)}" y1="0" y2="${height}"/>`;
    return (
      `<figure><figcaption>cell state c of units 0..${units - 1} over time ` +
      `(from -${scale} to +${scale})</figcaption>` +
      `<svg width="${width}" height="${height}">${svg}</svg></figure>`
    );
  }

  function drawSequence() {
    const runs = state.runs;
    const over = (pick) => runs.map(pick);
    let html = heatmap("x", "input x", over((r) => r.x), false);
    for (const name of NAMES) {
      const title = `${LABELS[name]} (units down, time across)`;
      html += heatmap(name, title, over((r) => r.out[name]), GATES.has(name));
    }
    html += cellLines(runs);
    $("over-time").innerHTML = html;
    $("t-label").textContent = `step t = ${state.t} of 0..${runs.length - 1}`;
  }

  // load step t of the sequence (under the chosen mode) into the cell above
  function goTo(t) {
    state.t = Math.max(0, Math.min(state.runs.length - 1, t));
    $("t").value = String(state.t);
    const record = state.runs[state.t];
    inputs.x = record.x.slice();
    inputs.h = record.hPrev.slice();
    inputs.c = record.cPrev.slice();
    inputs.fPrev = record.fPrev.slice();
    showInputs();
    update();
    drawSequence();
  }

  function rerun() {
    state.runs = run(state.mode, sequence().x);
    $("t").max = String(state.runs.length - 1);
    goTo(Math.min(state.t, state.runs.length - 1));
  }

  function buildControls() {
    const select = $("sequence");
    data.sequences.forEach((s, k) => {
      const option = document.createElement("option");
      option.value = String(k);
      option.textContent = `${s.name} (${s.x.length} steps)`;
      select.appendChild(option);
    });
    select.addEventListener("change", () => {
      state.sequence = Number(select.value);
      state.t = 0;
      rerun();
    });
    const unit = $("unit");
    unit.max = String(H - 1);
    unit.addEventListener("input", () => {
      const u = Number(unit.value);
      if (Number.isInteger(u) && u >= 0 && u < H) {
        state.unit = u;
        update();
      }
    });
    $("t").addEventListener("input", () => goTo(Number($("t").value)));
    $("previous").addEventListener("click", () => goTo(state.t - 1));
    $("next").addEventListener("click", () => goTo(state.t + 1));
    for (const radio of document.querySelectorAll("input[name=mode]")) {
      radio.addEventListener("change", () => {
        state.mode = radio.value;
        rerun();
      });
    }
  }

  $("sizes").textContent = `input size I = ${I}, hidden size H = ${H}`;
  buildInputs();
  buildControls();
  rerun();
})();
