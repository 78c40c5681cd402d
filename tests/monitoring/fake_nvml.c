/* A stand-in for NVIDIA's libnvidia-ml.so.1 with two fixed devices, so the NVML path of otel-llm's GPU
 * metrics runs through the real nvidia-ml-py bindings on a machine without a GPU. Device 1 reports no
 * power reading (NVML_ERROR_NOT_SUPPORTED), as some boards do. Values: tests/monitoring/test_gpu.py. */
#include <stdio.h>
#include <string.h>

typedef struct { int index; } device_t;
typedef struct { unsigned int gpu; unsigned int memory; } utilization_t;
typedef struct { unsigned long long total, free, used; } memory_t;

enum { SUCCESS = 0, INVALID_ARGUMENT = 2, NOT_SUPPORTED = 3 };
static device_t devices[2] = {{0}, {1}};
static const unsigned long long GIB = 1024ULL * 1024 * 1024;

int nvmlInitWithFlags(unsigned int flags) { (void)flags; return SUCCESS; }
int nvmlInit_v2(void) { return SUCCESS; }
int nvmlShutdown(void) { return SUCCESS; }
const char *nvmlErrorString(int result) { return result == NOT_SUPPORTED ? "Not Supported" : "Fake NVML error"; }

int nvmlDeviceGetCount_v2(unsigned int *count) { *count = 2; return SUCCESS; }

int nvmlDeviceGetHandleByIndex_v2(unsigned int index, device_t **device) {
  if (index > 1) return INVALID_ARGUMENT;
  *device = &devices[index];
  return SUCCESS;
}

int nvmlDeviceGetUUID(device_t *device, char *uuid, unsigned int length) {
  snprintf(uuid, length, "GPU-fake-%d", device->index);
  return SUCCESS;
}

int nvmlDeviceGetName(device_t *device, char *name, unsigned int length) {
  snprintf(name, length, device->index == 0 ? "Fake Tesla T4" : "Fake A100 80GB");
  return SUCCESS;
}

int nvmlSystemGetDriverVersion(char *version, unsigned int length) {
  snprintf(version, length, "550.54.15");
  return SUCCESS;
}

int nvmlDeviceGetUtilizationRates(device_t *device, utilization_t *rates) {
  rates->gpu = device->index == 0 ? 37 : 80;
  rates->memory = 12;
  return SUCCESS;
}

int nvmlDeviceGetMemoryInfo(device_t *device, memory_t *memory) {
  memory->total = device->index == 0 ? 16 * GIB : 80 * GIB;
  memory->used = device->index == 0 ? 4 * GIB : 60 * GIB;
  memory->free = memory->total - memory->used;
  return SUCCESS;
}

int nvmlDeviceGetPowerUsage(device_t *device, unsigned int *milliwatts) {
  if (device->index == 1) return NOT_SUPPORTED;
  *milliwatts = 70500;
  return SUCCESS;
}

int nvmlDeviceGetTotalEnergyConsumption(device_t *device, unsigned long long *millijoules) {
  *millijoules = device->index == 0 ? 123456789ULL : 5000ULL;
  return SUCCESS;
}

int nvmlDeviceGetTemperature(device_t *device, int sensor, unsigned int *celsius) {
  if (sensor != 0) return INVALID_ARGUMENT;
  *celsius = device->index == 0 ? 61 : 70;
  return SUCCESS;
}
