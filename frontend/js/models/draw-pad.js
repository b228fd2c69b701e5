// A canvas to draw a digit on with mouse, pen or touch; reports the drawing as grayscale ink.

/** Make `canvas` drawable; `onDone(gray, width)` is called when a stroke ends. Returns `clear()`. */
export function drawPad(canvas, onDone) {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  let drawing = false;
  const clear = () => {
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  const at = (event) => {
    const r = canvas.getBoundingClientRect();
    return [(event.clientX - r.left) * (canvas.width / r.width), (event.clientY - r.top) * (canvas.height / r.height)];
  };
  const ink = () => {
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const gray = new Uint8ClampedArray(canvas.width * canvas.height);
    for (let i = 0; i < gray.length; i += 1) gray[i] = 255 - data[i * 4];
    return gray;
  };
  canvas.addEventListener('pointerdown', (event) => {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    ctx.strokeStyle = '#000';
    ctx.lineWidth = canvas.width / 12;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...at(event));
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!drawing) return;
    ctx.lineTo(...at(event));
    ctx.stroke();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    onDone(ink(), canvas.width);
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  clear();
  return clear;
}
