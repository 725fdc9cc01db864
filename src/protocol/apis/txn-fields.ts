// Fields the transaction APIs declare alike.
import { int, string } from '../schema.js';
import { MAX_PRODUCER_EPOCH } from './init-producer-id.js';

/** Kafka's transactional.id: any non-empty string (the coordinator's key). */
export const transactionalId = () => string({ minLength: 1, maxLength: 32_767 });
export const producerId = () => int({ min: 0, doc: "Kafka's int64 as a msgpack integer" });
export const producerEpoch = () => int({ min: 0, max: MAX_PRODUCER_EPOCH });
