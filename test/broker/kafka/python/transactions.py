# confluent-kafka-python's transactional Producer (librdkafka 2.0.2) against Sluice's Kafka listener: a
# committed transaction, an aborted one and another committed one over two partitions, then consumers with
# isolation.level read_committed and read_uncommitted. Prints one JSON line with what each consumer read.
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap = sys.argv[1]
topic = 'py-txn'

admin = AdminClient({'bootstrap.servers': bootstrap})
for future in admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)]).values():
    future.result()

producer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': 'py-tx', 'transaction.timeout.ms': 60000})
producer.init_transactions(30)
producer.begin_transaction()
for i in range(4):
    producer.produce(topic, value=f'commit-{i}', partition=i % 2)
producer.commit_transaction(30)
producer.begin_transaction()
for i in range(3):
    producer.produce(topic, value=f'abort-{i}', partition=i % 2)
producer.flush(30)
producer.abort_transaction(30)
producer.begin_transaction()
producer.produce(topic, value='commit-last', partition=1)
producer.commit_transaction(30)


def consume(isolation, expected):
    consumer = Consumer({
        'bootstrap.servers': bootstrap,
        'group.id': f'py-{isolation}',
        'isolation.level': isolation,
        'enable.auto.commit': False,
    })
    consumer.assign([TopicPartition(topic, 0, 0), TopicPartition(topic, 1, 0)])
    values = []
    errors = []
    deadline = time.time() + 30
    settle = None
    while time.time() < deadline:
        message = consumer.poll(0.2)
        if len(values) >= expected:
            settle = settle or time.time() + 1.0
            if time.time() > settle:
                break
        if message is None:
            continue
        if message.error():
            errors.append(str(message.error()))
            continue
        values.append(message.value().decode())
    consumer.close()
    return {'values': sorted(values), 'errors': errors}


print(json.dumps({
    'committed': consume('read_committed', 5),
    'uncommitted': consume('read_uncommitted', 8),
}))
