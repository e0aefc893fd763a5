"""JSON schemas for the Strimzi custom resources PeerBridge uses (kafka.strimzi.io/v1beta2).

Written from the openAPIV3Schema of Strimzi's CustomResourceDefinitions (Strimzi 0.46 and later,
040-Crd-kafka.yaml, 04A-Crd-kafkanodepool.yaml, 043-Crd-kafkatopic.yaml). KafkaTopic is complete.
For Kafka and KafkaNodePool every field of `spec` and of `spec.kafka` is listed (an unknown or
misspelt one fails), and what PeerBridge sets is typed as the CRD types it: listeners, config,
rack, storage, roles, resources, jvmOptions, the topic operator; the subtrees PeerBridge does not
use (templates, Cruise Control, authorization, ...) are accepted as objects. Neither the CRD YAML
nor a JSON schema of it ships in a package the CI machine can install, hence this file; when
upgrading Strimzi, compare it with the new CRDs (`kubectl get crd kafkas.kafka.strimzi.io -o yaml`).
"""

from __future__ import annotations

from typing import Any

OBJECT: dict[str, Any] = {"type": "object"}
QUANTITY = {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": (
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$")}]}
RESOURCES = {"type": "object", "additionalProperties": False, "properties": {
    "claims": {"type": "array", "items": OBJECT},
    "limits": {"type": "object", "additionalProperties": QUANTITY},
    "requests": {"type": "object", "additionalProperties": QUANTITY}}}
JVM_OPTIONS = {"type": "object", "additionalProperties": False, "properties": {
    "-XX": {"type": "object", "additionalProperties": {"type": "string"}},
    "-Xms": {"type": "string", "pattern": "^[0-9]+[mMgG]?$"},
    "-Xmx": {"type": "string", "pattern": "^[0-9]+[mMgG]?$"},
    "gcLoggingEnabled": {"type": "boolean"},
    "javaSystemProperties": {"type": "array", "items": {"type": "object", "additionalProperties": False,
                                                          "properties": {"name": {"type": "string"},
                                                                         "value": {"type": "string"}}}}}}
_VOLUME_PROPERTIES: dict[str, Any] = {
    "class": {"type": "string"},
    "deleteClaim": {"type": "boolean"},
    "id": {"type": "integer", "minimum": 0},
    "kraftMetadata": {"type": "string", "enum": ["shared"]},
    "overrides": {"type": "array", "items": OBJECT},
    "selector": {"type": "object", "additionalProperties": {"type": "string"}},
    "size": {"type": "string"},
    "sizeLimit": {"type": "string", "pattern": "^([0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"},
}
STORAGE = {"type": "object", "additionalProperties": False, "required": ["type"], "properties": {
    **_VOLUME_PROPERTIES,
    "type": {"type": "string", "enum": ["ephemeral", "persistent-claim", "jbod"]},
    "volumes": {"type": "array", "items": {"type": "object", "additionalProperties": False, "required": ["type"],
                                           "properties": {**_VOLUME_PROPERTIES, "type": {
                                               "type": "string", "enum": ["ephemeral", "persistent-claim"]}}}}}}
DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
METADATA = {"type": "object", "required": ["name"], "properties": {
    "name": {"type": "string", "maxLength": 253, "pattern": DNS_SUBDOMAIN},
    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
    "annotations": {"type": "object", "additionalProperties": {"type": "string"}}}}
NETWORK_POLICY_PEER = {"type": "object", "additionalProperties": False, "properties": {
    "ipBlock": OBJECT, "namespaceSelector": OBJECT, "podSelector": OBJECT}}
LISTENER = {"type": "object", "additionalProperties": False, "required": ["name", "port", "type", "tls"],
            "properties": {
    "name": {"type": "string", "pattern": "^[a-z0-9]{1,11}$"},
    "port": {"type": "integer", "minimum": 9092},
    "type": {"type": "string", "enum": ["internal", "route", "tlsroute", "loadbalancer", "nodeport", "ingress",
                                        "cluster-ip"]},
    "tls": {"type": "boolean"},
    "authentication": {"type": "object", "required": ["type"], "properties": {
        "type": {"type": "string", "enum": ["tls", "scram-sha-512", "oauth", "custom"]}}},
    "configuration": OBJECT,
    "networkPolicyPeers": {"type": "array", "items": NETWORK_POLICY_PEER}}}
CONFIG_VALUE = {"x-kubernetes-preserve-unknown-fields": True}


def _resource(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["apiVersion", "kind", "metadata", "spec"], "properties": {
        "apiVersion": {"const": "kafka.strimzi.io/v1beta2"}, "kind": {"const": kind},
        "metadata": METADATA, "spec": spec, "status": OBJECT}}


KAFKA_TOPIC = _resource("KafkaTopic", {"type": "object", "additionalProperties": False, "properties": {
    "config": {"type": "object"},
    "partitions": {"type": "integer", "minimum": 1},
    "replicas": {"type": "integer", "minimum": 1, "maximum": 32767},
    "topicName": {"type": "string"}}})

KAFKA_NODE_POOL = _resource("KafkaNodePool", {
    "type": "object", "additionalProperties": False, "required": ["roles", "storage"], "properties": {
        "replicas": {"type": "integer", "minimum": 0},
        "roles": {"type": "array", "items": {"type": "string", "enum": ["controller", "broker"]}},
        "storage": STORAGE,
        "resources": RESOURCES,
        "jvmOptions": JVM_OPTIONS,
        "template": OBJECT}})

KAFKA = _resource("Kafka", {
    "type": "object", "additionalProperties": False, "required": ["kafka"], "properties": {
        "kafka": {"type": "object", "additionalProperties": False, "required": ["listeners"], "properties": {
            "version": {"type": "string"},
            "metadataVersion": {"type": "string"},
            "replicas": {"type": "integer", "minimum": 1},
            "image": {"type": "string"},
            "listeners": {"type": "array", "minItems": 1, "items": LISTENER},
            "config": {"type": "object", "additionalProperties": CONFIG_VALUE},
            "storage": STORAGE,
            "authorization": {"type": "object", "required": ["type"], "properties": {
                "type": {"type": "string", "enum": ["simple", "opa", "keycloak", "custom"]}}},
            "rack": {"type": "object", "additionalProperties": False, "required": ["topologyKey"],
                     "properties": {"topologyKey": {"type": "string"}}},
            "brokerRackInitImage": {"type": "string"},
            "livenessProbe": OBJECT, "readinessProbe": OBJECT,
            "jvmOptions": JVM_OPTIONS, "jmxOptions": OBJECT, "resources": RESOURCES,
            "metricsConfig": OBJECT, "logging": OBJECT, "template": OBJECT, "tieredStorage": OBJECT,
            "quotas": OBJECT}},
        "zookeeper": OBJECT,
        "entityOperator": {"type": "object", "additionalProperties": False, "properties": {
            "topicOperator": {"type": "object", "additionalProperties": False, "properties": {
                "watchedNamespace": {"type": "string"}, "image": {"type": "string"},
                "reconciliationIntervalMs": {"type": "integer", "minimum": 0},
                "reconciliationIntervalSeconds": {"type": "integer", "minimum": 0},
                "zookeeperSessionTimeoutSeconds": {"type": "integer", "minimum": 0},
                "startupProbe": OBJECT, "livenessProbe": OBJECT, "readinessProbe": OBJECT,
                "resources": RESOURCES, "topicMetadataMaxAttempts": {"type": "integer", "minimum": 0},
                "logging": OBJECT, "jvmOptions": JVM_OPTIONS}},
            "userOperator": OBJECT, "tlsSidecar": OBJECT, "template": OBJECT}},
        "clusterCa": OBJECT, "clientsCa": OBJECT, "cruiseControl": OBJECT, "jmxTrans": OBJECT,
        "kafkaExporter": OBJECT,
        "maintenanceTimeWindows": {"type": "array", "items": {"type": "string"}}}})

SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    ("kafka.strimzi.io/v1beta2", "Kafka"): KAFKA,
    ("kafka.strimzi.io/v1beta2", "KafkaNodePool"): KAFKA_NODE_POOL,
    ("kafka.strimzi.io/v1beta2", "KafkaTopic"): KAFKA_TOPIC,
}
