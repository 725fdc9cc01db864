// Polling a REST resource while a page is shown.
import { useEffect, useState } from 'preact/hooks';

/** Polls `load` every `ms` while mounted; returns [value, error]. */
export function usePoll(load, ms, deps = []) {
  const [value, setValue] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let stopped = false;
    const tick = async () => {
      try {
        const v = await load();
        if (!stopped) {
          setValue(v);
          setError(null);
        }
      } catch (e) {
        if (!stopped) setError(e.message);
      }
    };
    tick();
    const timer = setInterval(tick, ms);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, deps);
  return [value, error];
}
