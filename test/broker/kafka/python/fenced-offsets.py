# librdkafka's send_offsets_to_transaction with the group metadata of a member that a rebalance left behind
# (KIP-447): the broker refuses the offsets, the transaction can only abort, and nothing reaches the group.
# Prints one JSON line: the refusal's error name, whether it requires an abort, and the group's offset after.
#   python3 fenced-offsets.py <bootstrap> <topic> <group>
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

bootstrap, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
settings = {'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': False,
            'isolation.level': 'read_committed', 'session.timeout.ms': 6000}


def poll_until(consumers, done, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for c in consumers:
            c.poll(0.1)
        if done():
            return
    raise SystemExit('timed out waiting for the group')


first = Consumer(settings)
first.subscribe([topic])
poll_until([first], lambda: len(first.assignment()) > 0)
stale = first.consumer_group_metadata()
second = Consumer(settings)
second.subscribe([topic])
# The second member's join starts a new generation; the first rejoins into it.
poll_until([first, second], lambda: len(second.assignment()) > 0 and len(first.assignment()) > 0)

producer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': group + '-txn'})
producer.init_transactions(30)
producer.begin_transaction()
producer.produce(topic, b'processed')
refusal = None
try:
    producer.send_offsets_to_transaction([TopicPartition(topic, 0, 7)], stale, 30)
except KafkaException as e:
    refusal = e.args[0]
result = {
    'error': None if refusal is None else refusal.name(),
    'requiresAbort': None if refusal is None else refusal.txn_requires_abort(),
}
producer.abort_transaction(30)
result['committed'] = first.committed([TopicPartition(topic, 0)], timeout=30)[0].offset
first.close()
second.close()
print(json.dumps(result))
