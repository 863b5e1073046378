// The page of `digits serve`: draw (mouse, touch, pen), upload or drop an image; show what the API reads.
"use strict";

const pad = document.getElementById("pad");
const context = pad.getContext("2d");
const answer = document.getElementById("answer");
const confidence = document.getElementById("confidence");
const bars = document.getElementById("bars");
const seen = document.getElementById("seen");
const multi = document.getElementById("multi");
const readNumber = document.getElementById("read-number");

// Strokes in canvas-relative units (0-1), so that a resized canvas redraws them sharp.
const strokes = [];
let current = null;
let request = 0;  // answers to older requests are dropped
let photo = null;  // the uploaded or dropped image on show, read again when "several digits" changes
let shown = null;  // that image decoded, drawn on the pad until the next stroke (null if the browser cannot decode it)
window.digitsTimings = [];  // pen lifted -> answer on screen, ms (read by the browser tests)

function resize() {
  const ratio = window.devicePixelRatio || 1;
  const side = pad.clientWidth;
  pad.width = Math.round(side * ratio);
  pad.height = Math.round(side * ratio);
  redraw();
}

function redraw() {
  context.fillStyle = "#fff";
  context.fillRect(0, 0, pad.width, pad.height);
  if (shown) {
    const scale = Math.min(pad.width / shown.width, pad.height / shown.height);
    const [width, height] = [shown.width * scale, shown.height * scale];
    context.drawImage(shown, (pad.width - width) / 2, (pad.height - height) / 2, width, height);
  }
  context.strokeStyle = "#000";
  context.lineCap = "round";
  context.lineJoin = "round";
  context.lineWidth = pad.width / 14;  // MNIST's pen is about a fourteenth of its digit box
  for (const stroke of strokes) {
    context.beginPath();
    stroke.forEach(([x, y], i) => (i ? context.lineTo : context.moveTo).call(context, x * pad.width, y * pad.height));
    if (stroke.length === 1) context.lineTo(stroke[0][0] * pad.width + 0.01, stroke[0][1] * pad.height);
    context.stroke();
  }
}

function point(event) {
  const box = pad.getBoundingClientRect();
  return [(event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height];
}

pad.addEventListener("pointerdown", (event) => {
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  photo = shown = null;  // a stroke starts a drawing: the photo goes
  current = [point(event)];
  strokes.push(current);
  redraw();
});
pad.addEventListener("pointermove", (event) => {
  if (!current) return;
  for (const each of event.getCoalescedEvents ? event.getCoalescedEvents() : [event]) current.push(point(each));
  redraw();
});
for (const name of ["pointerup", "pointercancel"]) {
  pad.addEventListener(name, () => {
    if (!current) return;
    current = null;
    readDrawing(performance.now());
  });
}

function undo() {
  if (!strokes.length) return;  // nothing drawn (perhaps a photo on show): nothing to undo
  strokes.pop();
  redraw();
  strokes.length ? readDrawing(performance.now()) : show("Draw a digit");
}
function clear() {
  strokes.length = 0;
  photo = shown = null;
  redraw();
  show("Draw a digit");
}
document.getElementById("undo").addEventListener("click", undo);
document.getElementById("clear").addEventListener("click", clear);
document.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key === "z") { event.preventDefault(); undo(); }
  if (event.key === "Escape") clear();
});
multi.addEventListener("change", () => (photo ? send(photo, photo.name, performance.now()) : readDrawing(performance.now())));
// Offered when a single digit was doubted or refused and the image holds several side by side.
readNumber.addEventListener("click", () => {
  multi.checked = true;
  multi.dispatchEvent(new Event("change"));
});

function readDrawing(liftedAt) {
  if (!strokes.length) return;  // an empty canvas sends nothing
  pad.toBlob((blob) => send(blob, "drawing.png", liftedAt), "image/png");
}

document.getElementById("photo").addEventListener("change", (event) => {
  if (event.target.files.length) sendPhoto(event.target.files[0]);
  event.target.value = "";
});
document.addEventListener("dragover", (event) => { event.preventDefault(); document.body.classList.add("dragging"); });
document.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
document.addEventListener("drop", (event) => {
  event.preventDefault();
  document.body.classList.remove("dragging");
  const file = event.dataTransfer.files[0];
  if (file) sendPhoto(file);
});

function sendPhoto(file) {
  photo = file;
  shown = null;
  strokes.length = 0;
  redraw();
  send(file, file.name, performance.now());
  // Shown on the pad, so that the answer sits beside the image it answers; a format the browser
  // cannot decode (TIFF, in most browsers) is still read by the server, only not shown.
  createImageBitmap(file).then((bitmap) => {
    if (photo !== file) return;  // drawn over or replaced meanwhile
    shown = bitmap;
    redraw();
  }, () => {});
}

async function send(blob, name, startedAt) {
  const mine = ++request;
  const form = new FormData();
  form.append("image", blob, name);
  let reply;
  try {
    const response = await fetch("api/predict" + (multi.checked ? "?multi=true" : ""), { method: "POST", body: form });
    reply = await response.json();
  } catch (error) {
    reply = { error: "The server did not answer: is `digits serve` still running?" };
  }
  if (mine !== request) return;
  reply.error ? show(reply.error) : showAnswer(reply);
  window.digitsTimings.push(performance.now() - startedAt);
}

function show(message) {
  answer.textContent = message;
  answer.className = "answer message";
  delete answer.dataset.kind;
  confidence.textContent = "";
  readNumber.hidden = true;
  bars.replaceChildren();
  seen.replaceChildren();
}

function showAnswer(reply) {
  // Three kinds of answer (see digits/calibration.py): a digit, "not sure" between two, or not a digit.
  answer.className = "answer " + reply.answer;
  answer.dataset.kind = reply.answer;
  if (reply.answer === "digit") {
    answer.textContent = reply.number ?? String(reply.digit);
    // Rounded down, as the command line does: an answer that can be wrong never reads 100.0%.
    confidence.textContent = `confidence ${(Math.floor(1000 * reply.confidence) / 10).toFixed(1)}%`;
  } else if (reply.answer === "unsure") {
    const [first, second] = reply.top3;
    answer.textContent = reply.number
      ? reply.digits.map((d, i) => (reply.answers[i] === "digit" ? d : "?")).join("")
      : `${first.digit} or ${second.digit}?`;
    confidence.textContent = reply.sentence;
  } else {
    answer.classList.add("message");
    answer.textContent = reply.sentence;
    confidence.textContent = `(the likeliest digit, ${reply.digit}, at ${Math.floor(100 * reply.confidence)}%)`;
  }
  readNumber.hidden = !reply.several_digits;
  readNumber.textContent = `${reply.several_digits} digits side by side? Read them as a number`;
  bars.replaceChildren(...reply.probabilities.map((p, digit) => {
    const row = document.createElement("li");
    if (digit === reply.digit) row.className = "best";
    row.innerHTML = `<span>${digit}</span><span class="bar" style="width:${(100 * p).toFixed(1)}%"></span><span>${(Math.floor(1000 * p) / 10).toFixed(1)}%</span>`;
    return row;
  }));
  seen.replaceChildren(...reply.seen.map((png, i) => {
    const image = document.createElement("img");
    image.src = "data:image/png;base64," + png;
    image.alt = `digit ${i + 1} as the model saw it, 28 by 28 pixels`;
    return image;
  }));
}

window.addEventListener("resize", resize);
resize();
