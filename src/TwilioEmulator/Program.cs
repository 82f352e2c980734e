// The Twilio emulator: a real HTTP server speaking Twilio's REST wire format, so nothing in Aventora reaches the real Twilio.
// Everything is assembled in EmulatorApp.Create; see that file for the table of contents.
await Aventora.TwilioEmulator.EmulatorApp.Create(args).RunAsync();
