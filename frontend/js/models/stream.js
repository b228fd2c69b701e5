// Follow a training job over server-sent events: new curve points as they come, then the final record.

/**
 * Open GET /api/models/{id}/events. `onProgress({status, progress, points})` gets each batch of new
 * points; `onEnd(record)` the finished model. The browser reconnects by itself (Last-Event-ID) when
 * the server rotates the stream; the returned function closes it.
 */
export function followJob(id, { onProgress, onEnd, onError }) {
  const source = new EventSource(`/api/models/${encodeURIComponent(id)}/events`);
  source.addEventListener('progress', (event) => onProgress(JSON.parse(event.data)));
  source.addEventListener('end', (event) => {
    source.close();
    onEnd(JSON.parse(event.data));
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED && onError) onError();
  };
  return () => source.close();
}
