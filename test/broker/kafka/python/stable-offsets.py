# librdkafka's read_committed consumer asks for stable offsets (OffsetFetch with require_stable, KIP-447):
# committed() keeps asking while a transaction is committing the group's offset, and answers that offset once
# the transaction has committed. Prints one JSON line: the offset, when it was answered, how long it took.
#   python3 stable-offsets.py <bootstrap> <topic> <group>
import json
import sys
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition

bootstrap, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
producer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': group + '-txn'})
producer.init_transactions(30)
consumer = Consumer({
    'bootstrap.servers': bootstrap,
    'group.id': group,
    'isolation.level': 'read_committed',
    'enable.auto.commit': False,
})
producer.begin_transaction()
producer.produce(topic, b'processed')
producer.send_offsets_to_transaction([TopicPartition(topic, 0, 5)], consumer.consumer_group_metadata(), 30)
producer.flush(30)

commit_began = []


def commit():
    commit_began.append(time.monotonic())
    producer.commit_transaction(30)


timer = threading.Timer(2.0, commit)
timer.start()
asked = time.monotonic()
answer = consumer.committed([TopicPartition(topic, 0)], timeout=30)[0]
answered = time.monotonic()
timer.join()
consumer.close()
print(json.dumps({
    'offset': answer.offset,
    'error': None if answer.error is None else str(answer.error),
    'answeredAfterCommitBegan': bool(commit_began) and answered >= commit_began[0],
    'waitedSeconds': round(answered - asked, 3),
}))
