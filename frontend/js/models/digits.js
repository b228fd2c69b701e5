// Digit pixels: a drawing turned into an MNIST-like 28×28 image, and pixel arrays turned into RGBA.

export const SIDE = 28;
const BOX = 20; // MNIST digits fit a 20×20 box, centred by centre of mass in 28×28

/** Bounding box of the pixels above `threshold` in a width×width grayscale array, or null if blank. */
export function boundingBox(gray, width, threshold = 10) {
  let x0 = width, y0 = width, x1 = -1, y1 = -1;
  for (let y = 0; y < width; y += 1) {
    for (let x = 0; x < width; x += 1) {
      if (gray[y * width + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

/** Centre of mass (in pixel indices) of a 28×28 image. */
export function centreOfMass(pixels) {
  let total = 0, cx = 0, cy = 0;
  for (let i = 0; i < pixels.length; i += 1) {
    total += pixels[i];
    cx += pixels[i] * (i % SIDE);
    cy += pixels[i] * Math.floor(i / SIDE);
  }
  return total === 0 ? { x: (SIDE - 1) / 2, y: (SIDE - 1) / 2 } : { x: cx / total, y: cy / total };
}

/**
 * A width×width grayscale drawing (0–255, ink high) as MNIST preprocesses digits: the ink's bounding
 * box scaled (area average) into 20×20 keeping its aspect, then shifted so the centre of mass sits
 * at the centre of the 28×28 image. Returns 784 integers 0–255 (all 0 for a blank drawing).
 */
export function toMnistPixels(gray, width) {
  const out = new Array(SIDE * SIDE).fill(0);
  const box = boundingBox(gray, width);
  if (!box) return out;
  const w = box.x1 - box.x0 + 1;
  const h = box.y1 - box.y0 + 1;
  const scale = BOX / Math.max(w, h);
  const tw = Math.max(1, Math.round(w * scale));
  const th = Math.max(1, Math.round(h * scale));
  const scaled = new Float64Array(SIDE * SIDE);
  const ox = Math.floor((SIDE - tw) / 2);
  const oy = Math.floor((SIDE - th) / 2);
  for (let ty = 0; ty < th; ty += 1) {
    const sy0 = box.y0 + Math.floor(ty / scale);
    const sy1 = Math.max(sy0 + 1, box.y0 + Math.floor((ty + 1) / scale));
    for (let tx = 0; tx < tw; tx += 1) {
      const sx0 = box.x0 + Math.floor(tx / scale);
      const sx1 = Math.max(sx0 + 1, box.x0 + Math.floor((tx + 1) / scale));
      let sum = 0, n = 0;
      for (let sy = sy0; sy < Math.min(sy1, width); sy += 1) {
        for (let sx = sx0; sx < Math.min(sx1, width); sx += 1) {
          sum += gray[sy * width + sx];
          n += 1;
        }
      }
      scaled[(oy + ty) * SIDE + ox + tx] = n ? sum / n : 0;
    }
  }
  const com = centreOfMass(scaled);
  const dx = Math.round((SIDE - 1) / 2 - com.x);
  const dy = Math.round((SIDE - 1) / 2 - com.y);
  for (let y = 0; y < SIDE; y += 1) {
    for (let x = 0; x < SIDE; x += 1) {
      const sx = x - dx, sy = y - dy;
      if (sx >= 0 && sx < SIDE && sy >= 0 && sy < SIDE) {
        out[y * SIDE + x] = Math.min(255, Math.round(scaled[sy * SIDE + sx]));
      }
    }
  }
  return out;
}

/** RGBA bytes showing ink dark on white (pixel 255 → black), for a canvas ImageData. */
export function inkToRGBA(pixels) {
  const rgba = new Uint8ClampedArray(pixels.length * 4);
  pixels.forEach((v, i) => {
    const shade = 255 - v;
    rgba.set([shade, shade, shade, 255], i * 4);
  });
  return rgba;
}

/** RGBA bytes of a saliency map: red where the value is positive, blue where negative, white at 0. */
export function saliencyToRGBA(values) {
  const peak = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
  const rgba = new Uint8ClampedArray(values.length * 4);
  values.forEach((v, i) => {
    const t = Math.min(1, Math.abs(v) / peak);
    const [r, g, b] = v >= 0 ? [181, 54, 28] : [36, 86, 201];
    rgba.set([255 + (r - 255) * t, 255 + (g - 255) * t, 255 + (b - 255) * t, 255], i * 4);
  });
  return rgba;
}

/** Paint RGBA bytes onto a 28×28 canvas. */
export function paint(canvas, rgba) {
  const ctx = canvas.getContext('2d');
  ctx.putImageData(new ImageData(rgba, SIDE, SIDE), 0, 0);
}
