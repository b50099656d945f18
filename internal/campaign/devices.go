package campaign

// DeviceIndexDomain is the blind-index domain of the device identifiers a
// browser keeps in a cookie.
const DeviceIndexDomain = "device"
